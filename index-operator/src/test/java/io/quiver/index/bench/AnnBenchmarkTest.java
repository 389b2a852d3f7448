package io.quiver.index.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The benchmark's command line on a tiny generated data set: the same code path as {@code
 * scripts/bench/ann generate} followed by {@code scripts/bench/ann --no-anchors}, checked for its
 * outputs (not its speed).
 */
class AnnBenchmarkTest {

    @Test
    void generatesADataSetAndWritesCsvAndPlot(@TempDir Path dir) throws Exception {
        int generated =
                new CommandLine(new GenerateDataset())
                        .execute(
                                "--out",
                                dir.toString(),
                                "--n",
                                "3000",
                                "--dim",
                                "16",
                                "--queries",
                                "40",
                                "--clusters",
                                "20",
                                "--seed",
                                "5");
        assertThat(generated).isZero();
        Path base = single(dir, ".base.fvecs");
        Path query = single(dir, ".query.fvecs");
        Path gt = single(dir, ".groundtruth.ivecs");

        Path out = dir.resolve("out");
        int ran =
                new CommandLine(new AnnBenchmark())
                        .execute(
                                "--base",
                                base.toString(),
                                "--query",
                                query.toString(),
                                "--gt",
                                gt.toString(),
                                "--metric",
                                "l2",
                                "--ef",
                                "10,40",
                                "--threads",
                                "2",
                                "--reps",
                                "1",
                                "--storage",
                                "float32,int8",
                                "--no-anchors",
                                "--out",
                                out.toString());
        assertThat(ran).isZero();
        List<String> csv = Files.readAllLines(out.resolve("results.csv"), StandardCharsets.UTF_8);
        assertThat(csv.get(0)).isEqualTo("system,M,efc,build_threads,build_s,ef,k,recall,qps");
        // Both storages from one run, each with a row per ef.
        assertThat(csv).hasSize(5);
        assertThat(csv.subList(1, 5))
                .extracting(row -> row.split(",")[0])
                .containsExactly("quiver", "quiver", "quiver-int8", "quiver-int8");
        for (String row : csv.subList(1, 5)) {
            if (row.split(",")[5].equals("40")) {
                assertThat(Double.parseDouble(row.split(",")[7])).as(row).isGreaterThan(0.9);
            }
        }
        assertThat(Files.size(out.resolve("recall_qps.png"))).isPositive();
    }

    private static Path single(Path dir, String suffix) throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .findFirst()
                    .orElseThrow();
        }
    }
}
