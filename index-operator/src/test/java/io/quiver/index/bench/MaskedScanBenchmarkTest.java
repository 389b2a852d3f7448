package io.quiver.index.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code scripts/bench/ann masked-scan}'s code path on a tiny shard, checked for its outputs (not
 * its speed).
 */
class MaskedScanBenchmarkTest {

    @Test
    void measuresEveryUnlinkedCountAgainstTheAnchorAndWritesCsvAndPlot(@TempDir Path dir)
            throws Exception {
        int status =
                new CommandLine(new MaskedScanBenchmark())
                        .execute(
                                "--dim",
                                "8",
                                "--points",
                                "300",
                                "--masked",
                                "0,16,64",
                                "--efc",
                                "40",
                                "--queries",
                                "50",
                                "--reps",
                                "1",
                                "--out",
                                dir.toString());

        assertThat(status).isZero();
        List<String> rows = Files.readAllLines(dir.resolve("masked-scan.csv"));
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0)).isEqualTo("dim,points,masked,ef,k,us_per_search,ratio");
        assertThat(rows.get(1)).startsWith("8,300,0,64,10,").endsWith(",1.000");
        assertThat(rows.get(3)).startsWith("8,300,64,64,10,");
        assertThat(dir.resolve("masked-scan.png")).isNotEmptyFile();
    }

    @Test
    void refusesARunWithoutTheAnchor() {
        int status =
                new CommandLine(new MaskedScanBenchmark())
                        .execute("--dim", "8", "--points", "50", "--masked", "16");

        assertThat(status).isNotZero();
    }
}
