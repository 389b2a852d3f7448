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
 * Keeps {@code scripts/bench/bm25} working: its help, and a tiny run through the real shard server
 * and query server. The script gets this test's classpath, so it neither builds nor calls Maven. No
 * figure is checked: timing claims live in the benchmark.
 */
class Bm25BenchScriptITCase {

    @TempDir Path tmp;

    @Test
    void printsItsHelp() throws Exception {
        Run run = script("--help");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("--points", "--shards", "--rounds", "--out");
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
        assertThat(run.exit()).as(run.output()).isZero();
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
                .contains("candidate-set IDF (statistics missing): 0")
                .contains("write path, upsert with bm25 policy / without, hnsw index: ")
                .contains("turning bm25 on for 400 points: ");
        List<String> writes = Files.readAllLines(out.resolve("write-path.csv"));
        assertThat(writes).hasSize(5);
        assertThat(writes.get(0)).isEqualTo("index,rerank_policy,upserts,us_per_upsert");
        assertThat(writes.get(1)).startsWith("hnsw,none,400,");
        assertThat(writes.get(2)).startsWith("hnsw,bm25,400,");
        assertThat(writes.get(3)).startsWith("flat,none,400,");
        assertThat(writes.get(4)).startsWith("flat,bm25,400,");
        assertThat(Files.size(out.resolve("latency.png"))).isPositive();
        assertThat(run.output()).contains("bm25-bench: 100%");
    }

    private Run script(String... args) throws IOException, InterruptedException {
        return BenchScripts.run(tmp, "bm25", args);
    }
}
