package io.quiver.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.security.ApiKeys;
import io.quiver.schemas.Topics;
import io.quiver.testkit.EmbeddedKafka;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the shell examples between {@code <!-- security:begin -->} and {@code <!-- security:end -->}
 * in the README and in query-server/README.md with bash, curl and openssl, against a query server
 * started here with the keys and certificate those examples make.
 */
class SecurityDocsITCase {

    private static final Path ROOT_README = Path.of("..", "README.md");
    private static final Path MODULE_README = Path.of("README.md");
    private static EmbeddedKafka kafka;

    @TempDir Path work;
    private QueryServer server;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.create().start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    private QueryServer.Builder builder(String prefix) {
        Topics topics = new Topics(prefix);
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.upserts(), 1);
        return QueryServer.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(topics.prefix())
                .shards(4)
                .shardDirectory(ShardDirectory.fixed(4, Map.of()))
                .port(0);
    }

    @Test
    void theReadmeKeyExamplesAnswerAsShown() throws Exception {
        String readme = Files.readString(ROOT_README);
        List<String> blocks = blocks(readme);
        assertThat(blocks).hasSize(2);
        run(
                blocks.get(0) + "\nprintf '%s\\n%s\\n' \"$APP_KEY\" \"$ADMIN_KEY\" > keys.txt",
                Map.of());
        List<String> keys = Files.readAllLines(work.resolve("keys.txt"));
        assertThat(Files.readString(work.resolve("keys.json")))
                .doesNotContain(keys.get(0))
                .doesNotContain(keys.get(1));

        server =
                builder("docs1")
                        .apiKeys(ApiKeys.fromFile(work.resolve("keys.json")))
                        .build()
                        .start();
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () ->
                                http.send(
                                                        HttpRequest.newBuilder(
                                                                        URI.create(
                                                                                base()
                                                                                        + "/collections/docs"))
                                                                .PUT(
                                                                        HttpRequest.BodyPublishers
                                                                                .ofString(
                                                                                        "{\"dimension\": 4, \"metric\": \"cosine\"}"))
                                                                .header("api-key", keys.get(1))
                                                                .build(),
                                                        HttpResponse.BodyHandlers.ofString())
                                                .statusCode()
                                        == 200);

        String out =
                run(
                        blocks.get(1).replace("localhost:8080", "127.0.0.1:" + server.port()),
                        Map.of("APP_KEY", keys.get(0), "ADMIN_KEY", keys.get(1)));

        List<String> shown = shownOutput(readme, blocks.get(1));
        List<String> got = out.lines().filter(l -> !l.isBlank()).toList();
        assertThat(got).hasSameSizeAs(shown);
        for (int i = 0; i < shown.size(); i++) {
            String expected = shown.get(i);
            int ellipsis = expected.indexOf("...");
            if (ellipsis >= 0) {
                assertThat(got.get(i)).startsWith(expected.substring(0, ellipsis));
            } else {
                assertThat(got.get(i)).isEqualTo(expected);
            }
        }
    }

    @Test
    void theTlsExampleServesHttpsWithAnOpensslCertificate() throws Exception {
        List<String> blocks = blocks(Files.readString(MODULE_README));
        assertThat(blocks).hasSize(2);
        run(blocks.get(0), Map.of());
        assertThat(Files.readString(work.resolve("tls-key.pem")))
                .startsWith("-----BEGIN PRIVATE KEY-----");

        server =
                builder("docs2")
                        .tls(work.resolve("tls-cert.pem"), work.resolve("tls-key.pem"))
                        .build()
                        .start();

        String out =
                run(
                        blocks.get(1).replace("localhost:8443", "localhost:" + server.port()),
                        Map.of());
        assertThat(out.strip()).isEqualTo("{\"status\":\"ok\"}");
    }

    private String base() {
        return "http://127.0.0.1:" + server.port();
    }

    /** The bash blocks between the security markers, in order. */
    static List<String> blocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        int from = 0;
        while (true) {
            int begin = markdown.indexOf("<!-- security:begin -->", from);
            if (begin < 0) {
                return blocks;
            }
            int end = markdown.indexOf("<!-- security:end -->", begin);
            if (end < 0) {
                throw new AssertionError("<!-- security:begin --> without <!-- security:end -->");
            }
            String section = markdown.substring(begin, end);
            int open = section.indexOf("```bash\n");
            int close = section.indexOf("\n```", open + 8);
            blocks.add(section.substring(open + 8, close + 1));
            from = end + 1;
        }
    }

    /** The lines of the plain code block that follows {@code block} in the README. */
    private static List<String> shownOutput(String markdown, String block) {
        int after = markdown.indexOf("<!-- security:end -->", markdown.indexOf(block));
        int open = markdown.indexOf("```\n", after);
        int close = markdown.indexOf("\n```", open + 4);
        return markdown.substring(open + 4, close).lines().toList();
    }

    private String run(String script, Map<String, String> env)
            throws IOException, InterruptedException {
        ProcessBuilder pb =
                new ProcessBuilder("bash", "-c", "set -euo pipefail\n" + script)
                        .directory(work.toFile())
                        .redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out;
        try {
            out = p.getInputStream().readAllBytes();
        } finally {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit code of\n%s\noutput:\n%s", script, text).isZero();
        return text;
    }
}
