package io.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code scripts/bench/bm25} working: its help, and a tiny run through the real shard server
 * and query server. The script gets this test's classpath, so it neither builds nor calls Maven. No
 * figure is checked: timing claims live in the benchmark.
 */
class Bm25BenchScriptITCase {

    @TempDir Path tmp;

    @Test
    void printsItsHelp() throws Exception {
        Run run = script("--help");
        assertThat(run.exit).as(run.output).isZero();
        assertThat(run.output).contains("--points", "--shards", "--rounds", "--out");
    }

    @Test
    void aTinyRunWritesTheCsvTheSummaryAndThePlotWithoutErrors() throws Exception {
        Path out = tmp.resolve("out");
        Run run =
                script(
                        "--points",
                        "400",
                        "--shards",
                        "2",
                        "--dim",
                        "8",
                        "--rounds",
                        "20",
                        "--out",
                        out.toString());
        assertThat(run.exit).as(run.output).isZero();
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv.get(0)).isEqualTo("mode,requests,errors,p50_ms,p90_ms,p99_ms,mean_ms");
        assertThat(csv.subList(1, csv.size()))
                .hasSize(5)
                .anySatisfy(r -> assertThat(r).startsWith("http_plain,20,0,"))
                .anySatisfy(r -> assertThat(r).startsWith("http_top_n,20,0,"))
                .anySatisfy(r -> assertThat(r).startsWith("http_bm25,20,0,"))
                .anySatisfy(r -> assertThat(r).startsWith("rpc_search,20,0,"))
                .anySatisfy(r -> assertThat(r).startsWith("rpc_terms,20,0,"));
        assertThat(Files.readString(out.resolve("summary.txt")))
                .contains("bm25 HTTP / plain HTTP latency")
                .contains("bm25 HTTP / same fan-out without rerank")
                .contains("TERM_STATS / SEARCH RPC latency")
                .contains("candidate-set IDF (statistics missing): 0");
        assertThat(Files.size(out.resolve("latency.png"))).isPositive();
        assertThat(run.output).contains("bm25-bench: 100%");
    }

    private record Run(int exit, String output) {}

    private Run script(String... args) throws IOException, InterruptedException {
        Path root = repositoryRoot();
        Path log = tmp.resolve("script-" + System.nanoTime() + ".log");
        String[] command = new String[args.length + 2];
        command[0] = "bash";
        command[1] = root.resolve("scripts/bench/bm25").toString();
        System.arraycopy(args, 0, command, 2, args.length);
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("QUIVER_CLASSPATH", testClasspath());
        builder.environment().put("QUIVER_BENCH_HEAP", "512m");
        Process p = builder.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(
                    "the script did not finish:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static String testClasspath() {
        // Failsafe may launch through a manifest-only jar; this property holds the real classpath.
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/bench/bm25"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "no scripts/bench/bm25 above " + Path.of("").toAbsolutePath());
    }
}
