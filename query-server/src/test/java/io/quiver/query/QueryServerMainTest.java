package io.quiver.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.query.security.ApiKeys;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
                .contains("--shard-circuit-open-ms")
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

    private static QueryServerMain parse(Map<String, String> env, String... extra) {
        CommandLine cmd = QueryServerMain.commandLine();
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--bootstrap-servers",
                                "127.0.0.1:9092",
                                "--flink-rest",
                                "http://127.0.0.1:8081",
                                "--queryable-state-proxy",
                                "127.0.0.1:9069"));
        args.addAll(List.of(extra));
        cmd.parseArgs(args.toArray(String[]::new));
        QueryServerMain main = cmd.getCommand();
        main.environment = env;
        return main;
    }

    @Test
    void accessControlIsOffWithoutKeys() {
        assertThat(parse(Map.of()).apiKeys()).isNull();
    }

    @Test
    void readsApiKeysFromTheOptionOrOneEnvironmentVariable(@TempDir Path dir) throws Exception {
        String key = "main-test-key-0123456789";
        String doc =
                "{\"keys\": [{\"name\": \"app\", \"sha256\": \""
                        + ApiKeys.sha256Hex(key)
                        + "\", \"grants\": {\"*\": [\"read\"]}}]}";
        Path file = Files.writeString(dir.resolve("keys.json"), doc);

        assertThat(parse(Map.of(), "--api-keys-file", file.toString()).apiKeys().find(key).name())
                .isEqualTo("app");
        assertThat(parse(Map.of("QUIVER_API_KEYS_FILE", file.toString())).apiKeys().find(key))
                .isNotNull();
        assertThat(parse(Map.of("QUIVER_API_KEYS", doc)).apiKeys().source())
                .isEqualTo("$QUIVER_API_KEYS");
        assertThat(parse(Map.of("QUIVER_API_KEY", key)).apiKeys().find(key).name())
                .isEqualTo("default");
        assertThatThrownBy(
                        () ->
                                parse(
                                                Map.of("QUIVER_API_KEY", key),
                                                "--api-keys-file",
                                                file.toString())
                                        .apiKeys())
                .hasMessageContaining("one place only");
    }

    @Test
    void aBadKeySetupExitsWith2NamingTheProblem() {
        StringWriter err = new StringWriter();
        PrintStream previous = System.err;
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int code;
        try {
            QueryServerMain main = parse(Map.of("QUIVER_API_KEY", "short"));
            code = main.call();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            System.setErr(previous);
        }
        assertThat(code).isEqualTo(2);
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .contains("shorter than 16 characters")
                .doesNotContain("short\n");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void passesKafkaPropertiesFromAFileAndTheCommandLine(@TempDir Path dir) throws Exception {
        Path file =
                Files.writeString(
                        dir.resolve("kafka.properties"),
                        "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n");

        QueryServerMain main =
                parse(
                        Map.of(),
                        "--kafka-properties-file",
                        file.toString(),
                        "--kafka-property",
                        "sasl.mechanism=SCRAM-SHA-512",
                        "--kafka-property",
                        "ssl.truststore.type=PEM");

        assertThat(main.kafkaSettings())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.type", "PEM");
    }

    @Test
    void tlsNeedsBothFiles(@TempDir Path dir) {
        assertThatThrownBy(
                        () ->
                                parse(Map.of(), "--tls-cert", dir.resolve("c.pem").toString())
                                        .builder()
                                        .build())
                .hasMessageContaining("TLS needs both a certificate chain and a private key");
        assertThatThrownBy(
                        () ->
                                parse(
                                                Map.of(),
                                                "--tls-cert",
                                                dir.resolve("c.pem").toString(),
                                                "--tls-key",
                                                dir.resolve("k.pem").toString())
                                        .builder()
                                        .build())
                .hasMessageContaining("c.pem does not exist or is not readable");
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
