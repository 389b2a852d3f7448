package io.quiver.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.security.ApiKeys;
import io.quiver.query.testing.LogCapture;
import io.quiver.schemas.Topics;
import io.quiver.testkit.EmbeddedKafka;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys, rate limits and TLS on a real query server over loopback, with a real broker. */
class SecurityITCase {

    private static final AtomicInteger TEST = new AtomicInteger();
    private static final String ADMIN_KEY = "it-admin-key-7f3a9c2e51";
    private static final String READER_KEY = "it-reader-key-b81d04e6c9";
    private static final String SLOW_KEY = "it-slow-key-5e27a0d3f8";
    private static final String SPEC = "{\"dimension\": 4, \"metric\": \"cosine\"}";

    private static EmbeddedKafka kafka;

    @TempDir Path dir;
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

    private static String keys() {
        return "{\"keys\": ["
                + "{\"name\": \"ops\", \"sha256\": \""
                + ApiKeys.sha256Hex(ADMIN_KEY)
                + "\", \"grants\": {\"*\": [\"read\", \"write\", \"admin\"]},"
                + " \"rate_limit\": \"unlimited\"},"
                + "{\"name\": \"search-app\", \"sha256\": \""
                + ApiKeys.sha256Hex(READER_KEY)
                + "\", \"grants\": {\"docs\": [\"read\"]}},"
                + "{\"name\": \"batch\", \"key\": \""
                + SLOW_KEY
                + "\", \"grants\": {\"*\": [\"read\"]},"
                + " \"rate_limit\": {\"requests_per_second\": 0.01, \"burst\": 2}}"
                + "]}";
    }

    private QueryServer.Builder builder() {
        Topics topics = new Topics("sec" + TEST.incrementAndGet());
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.upserts(), 2);
        return QueryServer.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(topics.prefix())
                .shards(4)
                .shardDirectory(ShardDirectory.fixed(4, Map.of()))
                .port(0)
                .requestTimeoutMs(10_000);
    }

    private record Answer(int status, String body, HttpResponse<String> response) {
        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    private static Answer send(
            HttpClient client, String method, String url, String body, String... headers) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(30))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        try {
            HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitCatalog(HttpClient client, String base) {
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () ->
                                send(client, "GET", base + "/readyz", null)
                                        .body()
                                        .contains("\"catalog_loaded\":true"));
    }

    @Test
    void enforcesKeysScopesAndRateLimitsAndNeverLogsAKey() throws Exception {
        Path file = Files.writeString(dir.resolve("keys.json"), keys());
        HttpClient client = HttpClient.newHttpClient();
        String log;
        try (LogCapture capture = new LogCapture()) {
            server = builder().apiKeys(ApiKeys.fromFile(file)).build().start();
            String base = "http://127.0.0.1:" + server.port();
            awaitCatalog(client, base);

            Answer anonymous = send(client, "PUT", base + "/collections/docs", SPEC);
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(anonymous.header("www-authenticate")).isEqualTo("Bearer realm=\"quiver\"");
            assertThat(anonymous.body()).contains("\"code\":\"missing_api_key\"");

            Answer unknown =
                    send(
                            client,
                            "GET",
                            base + "/collections",
                            null,
                            "api-key",
                            "guess-0123456789abcdef");
            assertThat(unknown.status()).isEqualTo(401);
            assertThat(unknown.body()).contains("invalid_api_key");

            Answer notAdmin =
                    send(
                            client,
                            "PUT",
                            base + "/collections/docs",
                            SPEC,
                            "Authorization",
                            "Bearer " + READER_KEY);
            assertThat(notAdmin.status()).isEqualTo(403);
            assertThat(notAdmin.body()).contains("lacks the 'admin' scope for collection 'docs'");

            assertThat(
                            send(
                                            client,
                                            "PUT",
                                            base + "/collections/docs",
                                            SPEC,
                                            "Authorization",
                                            "Bearer " + ADMIN_KEY)
                                    .status())
                    .isEqualTo(200);
            assertThat(
                            send(
                                            client,
                                            "PUT",
                                            base + "/collections/other",
                                            SPEC,
                                            "api-key",
                                            ADMIN_KEY)
                                    .status())
                    .isEqualTo(200);

            Answer read =
                    send(
                            client,
                            "GET",
                            base + "/collections/docs",
                            null,
                            "Authorization",
                            "Bearer " + READER_KEY);
            assertThat(read.status()).isEqualTo(200);
            assertThat(read.body()).contains("\"dimension\":4");
            Answer elsewhere =
                    send(client, "GET", base + "/collections/other", null, "api-key", READER_KEY);
            assertThat(elsewhere.status()).isEqualTo(403);
            Answer write =
                    send(
                            client,
                            "PUT",
                            base + "/collections/docs/points",
                            "{\"points\": [{\"id\": \"a\", \"vector\": [1, 0, 0, 0]}]}",
                            "api-key",
                            READER_KEY);
            assertThat(write.status()).isEqualTo(403);
            assertThat(write.body()).contains("'write' scope");

            for (int i = 0; i < 2; i++) {
                assertThat(
                                send(
                                                client,
                                                "GET",
                                                base + "/collections/docs",
                                                null,
                                                "api-key",
                                                SLOW_KEY)
                                        .status())
                        .isEqualTo(200);
            }
            Answer limited =
                    send(client, "GET", base + "/collections/docs", null, "api-key", SLOW_KEY);
            assertThat(limited.status()).isEqualTo(429);
            assertThat(Long.parseLong(limited.header("retry-after"))).isBetween(90L, 100L);
            assertThat(limited.body()).contains("\"code\":\"rate_limited\"").contains("'batch'");

            assertThat(send(client, "GET", base + "/healthz", null).status()).isEqualTo(200);
            assertThat(send(client, "GET", base + "/metrics", null, "api-key", READER_KEY).status())
                    .isEqualTo(403);
            Answer metrics = send(client, "GET", base + "/metrics", null, "api-key", ADMIN_KEY);
            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains(
                            "quiver_auth_rejections_total{key=\"batch\",reason=\"rate_limited\"} 1.0")
                    .contains(
                            "quiver_auth_rejections_total{key=\"search-app\",reason=\"forbidden\"} 4.0")
                    .contains(
                            "quiver_auth_rejections_total{key=\"none\",reason=\"unauthenticated\"}")
                    .contains(
                            "quiver_auth_rejections_total{key=\"unknown\",reason=\"unauthenticated\"} 1.0");
            server.close();
            server = null;
            log = capture.text();
        }
        assertThat(log)
                .contains("Access control is on: 3 API keys from " + file)
                .contains("[ops, search-app, batch]");
        for (String secret :
                new String[] {ADMIN_KEY, READER_KEY, SLOW_KEY, "guess-0123456789abcdef"}) {
            assertThat(log).doesNotContain(secret);
        }
    }

    @Test
    void accessControlIsOffByDefaultAndSaysSoOnce() {
        HttpClient client = HttpClient.newHttpClient();
        try (LogCapture capture = new LogCapture()) {
            server = builder().build().start();
            String base = "http://127.0.0.1:" + server.port();
            awaitCatalog(client, base);

            assertThat(send(client, "PUT", base + "/collections/docs", SPEC).status())
                    .isEqualTo(200);
            assertThat(send(client, "GET", base + "/metrics", null).status()).isEqualTo(200);
            assertThat(capture.lines())
                    .filteredOn(l -> l.contains("Access control is off"))
                    .singleElement()
                    .asString()
                    .startsWith("INFO");
        }
    }

    @Test
    void metricsCanBeLeftOpenWhileEverythingElseNeedsAKey() throws Exception {
        server =
                builder()
                        .apiKeys(ApiKeys.fromJson(keys(), "test"))
                        .metricsOpen(true)
                        .build()
                        .start();
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + server.port();

        assertThat(send(client, "GET", base + "/metrics", null).status()).isEqualTo(200);
        assertThat(send(client, "GET", base + "/collections", null).status()).isEqualTo(401);
    }

    @Test
    void servesHttpsFromPemFiles() throws Exception {
        X509Bundle cert =
                new CertificateBuilder()
                        .subject("CN=localhost")
                        .addSanDnsName("localhost")
                        .addSanIpAddress("127.0.0.1")
                        .setIsCertificateAuthority(true)
                        .ecp256()
                        .buildSelfSigned();
        Path certFile = Files.writeString(dir.resolve("cert.pem"), cert.getCertificatePEM());
        Path keyFile = Files.writeString(dir.resolve("key.pem"), cert.getPrivateKeyPEM());
        assertThat(cert.getPrivateKeyPEM()).startsWith("-----BEGIN PRIVATE KEY-----");

        server =
                builder()
                        .apiKeys(ApiKeys.fromJson(keys(), "test"))
                        .tls(certFile, keyFile)
                        .build()
                        .start();
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, cert.toTrustManagerFactory().getTrustManagers(), null);
        HttpClient client =
                HttpClient.newBuilder()
                        .sslContext(ssl)
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
        String base = "https://127.0.0.1:" + server.port();
        awaitCatalog(client, base);

        assertThat(send(client, "PUT", base + "/collections/docs", SPEC).status()).isEqualTo(401);
        Answer created =
                send(client, "PUT", base + "/collections/docs", SPEC, "api-key", ADMIN_KEY);
        assertThat(created.status()).isEqualTo(200);
        assertThat(created.response().version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(
                        send(client, "GET", base + "/collections/docs", null, "api-key", READER_KEY)
                                .body())
                .contains("\"dimension\":4");

        // Plain HTTP on the TLS port gets no answer, and a client that does not trust the
        // certificate refuses it.
        HttpClient plain = HttpClient.newHttpClient();
        assertThatThrownBy(
                        () ->
                                send(
                                        plain,
                                        "GET",
                                        "http://127.0.0.1:" + server.port() + "/healthz",
                                        null))
                .isInstanceOf(java.io.UncheckedIOException.class);
        assertThatThrownBy(() -> send(plain, "GET", base + "/healthz", null))
                .isInstanceOf(java.io.UncheckedIOException.class);
    }

    @Test
    void refusesAKeyFileThatIsNotPkcs8(@TempDir Path tmp) throws Exception {
        Path cert =
                Files.writeString(
                        tmp.resolve("cert.pem"),
                        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        Path key = Files.writeString(tmp.resolve("key.pem"), "not a key\n");

        assertThatThrownBy(() -> builder().tls(cert, key).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot use TLS certificate " + cert);
    }
}
