package io.quiver.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class QueryServerMainTest {

    @Test
    void helpListsEveryOptionWithItsDefault() {
        StringWriter out = new StringWriter();
        CommandLine cmd = QueryServerMain.commandLine();
        cmd.setOut(new PrintWriter(out));
        assertThat(cmd.execute("--help")).isZero();
        assertThat(out.toString())
                .contains("--bootstrap-servers")
                .contains("--topic-prefix")
                .contains("--shards")
                .contains("--max-parallelism")
                .contains("--flink-rest")
                .contains("--job-name")
                .contains("--queryable-state-proxy")
                .contains("--max-body-bytes")
                .contains("--max-batch-points")
                .contains("--request-timeout-ms")
                .contains("Default: 128")
                .contains("Default: 1000");
    }

    @Test
    void parsesTheLocalStackCommandLine() {
        CommandLine cmd = QueryServerMain.commandLine();
        cmd.parseArgs(
                "--host",
                "127.0.0.1",
                "--port",
                "8080",
                "--bootstrap-servers",
                "127.0.0.1:9092",
                "--topic-prefix",
                "quiver",
                "--shards",
                "32",
                "--flink-rest",
                "http://127.0.0.1:8081",
                "--job-name",
                "quiver",
                "--queryable-state-proxy",
                "127.0.0.1:9069");
        QueryServerMain main = cmd.getCommand();
        main.builder().build();
        assertThat(main.maxParallelism).isEqualTo(128);
        assertThat(main.maxBatchPoints).isEqualTo(1000);
    }

    @Test
    void missingRequiredOptionsExitWith2() {
        StringWriter err = new StringWriter();
        CommandLine cmd = QueryServerMain.commandLine();
        cmd.setErr(new PrintWriter(err));
        assertThat(cmd.execute("--port", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required options");
    }

    @Test
    void invalidValuesExitWith2NamingTheValue() {
        StringWriter err = new StringWriter();
        CommandLine cmd = QueryServerMain.commandLine();
        cmd.setErr(new PrintWriter(err));
        int code =
                cmd.execute(
                        "--bootstrap-servers",
                        "k:9092",
                        "--flink-rest",
                        "http://f:8081",
                        "--queryable-state-proxy",
                        "q:9069",
                        "--shards",
                        "0");
        assertThat(code).isEqualTo(2);
    }

    @Test
    void rerankCacheAndBreakerSettingsReachTheServerBuilder() {
        CommandLine cmd = QueryServerMain.commandLine();
        cmd.parseArgs(
                "--bootstrap-servers",
                "k:9092",
                "--flink-rest",
                "http://f:8081",
                "--queryable-state-proxy",
                "q:9069",
                "--rerank-cache-size",
                "500",
                "--rerank-cache-ttl-ms",
                "60000",
                "--rerank-breaker-failure-rate",
                "25",
                "--rerank-breaker-open-ms",
                "2000",
                "--rerank-warmup-queries",
                "0");
        QueryServerMain main = cmd.getCommand();
        main.builder().build();
        assertThat(main.rerankCacheSize).isEqualTo(500);
        assertThat(main.rerankCacheTtlMs).isEqualTo(60_000);
        assertThat(main.rerankBreakerFailureRate).isEqualTo(25f);
        assertThat(main.rerankBreakerOpenMs).isEqualTo(2000);
        assertThat(main.rerankWarmupQueries).isZero();
    }

    @Test
    void badRerankSettingsAreRejectedNamingTheValue() {
        CommandLine cmd = QueryServerMain.commandLine();
        cmd.parseArgs(
                "--bootstrap-servers",
                "k:9092",
                "--flink-rest",
                "http://f:8081",
                "--queryable-state-proxy",
                "q:9069",
                "--rerank-breaker-failure-rate",
                "0");
        QueryServerMain main = cmd.getCommand();
        org.assertj.core.api.Assertions.assertThatThrownBy(main::builder)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "rerank breaker failure rate must be in (0, 100] percent, got 0");
    }
}
