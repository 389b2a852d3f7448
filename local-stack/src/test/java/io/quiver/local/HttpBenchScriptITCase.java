package io.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.local.BenchScripts.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps {@code scripts/bench/http} working: its help, and tiny runs on a few hundred generated
 * vectors through the real shard server and query server, the closed loop driven once by wrk (also
 * with one CPU per tier) and once by the Java client. The script gets this test's classpath, so it
 * neither builds nor calls Maven. No figure is checked: timing claims live in the benchmark.
 */
class HttpBenchScriptITCase {

    @TempDir Path tmp;

    @Test
    void printsItsHelp() throws Exception {
        Run run = script("--help");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output())
                .contains(
                        "--base",
                        "--generate",
                        "--concurrency",
                        "--rate",
                        "--runs",
                        "--out",
                        "--client",
                        "--shards");
    }

    /** wrk drives the closed loop (CI installs it), over two shards on the one shard server. */
    @Test
    void aTinyRunWritesTheCsvTheSummaryAndThePlot() throws Exception {
        Path out = tmp.resolve("out");
        Run run =
                script(
                        "--client",
                        "wrk",
                        "--shards",
                        "2",
                        "--generate",
                        "400:16",
                        "--M",
                        "8",
                        "--efc",
                        "40",
                        "--seconds",
                        "0.5",
                        "--runs",
                        "1",
                        "--rate",
                        "100",
                        "--concurrency",
                        "2",
                        "--tiers",
                        "--out",
                        out.toString());
        assertThat(run.exit()).as(run.output()).isZero();
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv.get(0)).startsWith("run,path,load,concurrency,target_rate,requests,errors");
        assertThat(csv.subList(1, csv.size()))
                .hasSize(6)
                .anySatisfy(r -> assertThat(r).startsWith("1,in_process,closed,2,"))
                .anySatisfy(r -> assertThat(r).startsWith("1,http,closed,2,"))
                .anySatisfy(r -> assertThat(r).startsWith("1,in_process_cpu0,closed,2,"))
                .anySatisfy(r -> assertThat(r).startsWith("1,http_cpu_per_tier,closed,2,"))
                .anySatisfy(r -> assertThat(r).startsWith("1,http,open,2,100,"))
                // No HTTP search failed.
                .allSatisfy(r -> assertThat(r.split(",")[6]).isEqualTo("0"));
        assertThat(Files.readString(out.resolve("summary.txt")))
                .contains("HTTP / in-process throughput")
                .contains("recall@10 in-process");
        assertThat(Files.size(out.resolve("latency.png"))).isPositive();
        assertThat(run.output()).contains("http-bench: run 1/1", "wrk -t 1 -c 2");
        assertThat(Files.readString(out.resolve("summary.txt")))
                .contains("2 shards", "CPU per request", "one CPU per tier");
        // Both tiers had threads to pin: the shard server's and the query server's.
        assertThat(run.output()).containsPattern("[1-9][0-9]* shard server threads on CPU 0");
    }

    @Test
    void theJavaClientStillDrivesTheClosedLoopWithoutWrk() throws Exception {
        Path out = tmp.resolve("out-java");
        Run run =
                script(
                        "--client",
                        "java",
                        "--generate",
                        "300:8",
                        "--M",
                        "8",
                        "--efc",
                        "40",
                        "--seconds",
                        "0.5",
                        "--runs",
                        "1",
                        "--rate",
                        "50",
                        "--concurrency",
                        "2",
                        "--out",
                        out.toString());
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(Files.readAllLines(out.resolve("results.csv")).subList(1, 5))
                .anySatisfy(r -> assertThat(r).startsWith("1,http,closed,2,"))
                .allSatisfy(r -> assertThat(r.split(",")[6]).isEqualTo("0"));
        assertThat(run.output()).doesNotContain("wrk -t");
    }

    private Run script(String... args) throws IOException, InterruptedException {
        return BenchScripts.run(tmp, "http", args);
    }
}
