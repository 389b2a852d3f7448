package io.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.index.Metric;
import io.quiver.index.flat.FlatIndex;
import io.quiver.query.QueryServer;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.schemas.Topics;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import io.quiver.shard.ShardServer;
import io.quiver.testkit.EmbeddedKafka;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Partial answers and coalescing against the real shard server over real TCP: shards 0 and 1 are
 * reached directly, shards 2 and 3 through a {@link StallingProxy} in front of the same server, so
 * stalling the proxy stalls "the TaskManager" of shards 2 and 3 without touching the rest.
 */
class ShardServerFaultsITCase {

    private static final String SPEC = "{\"dimension\": 2, \"metric\": \"l2\"}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EmbeddedKafka kafka;
    private static ShardServer shardServer;
    private static StallingProxy proxy;
    private static final LiveShard[] SHARDS = new LiveShard[4];
    private static QueryServer server;
    private static QueryServer cachedServer;
    private static final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.create().start();
        Topics topics = new Topics("faults");
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.upserts(), 1);
        shardServer = ShardServer.acquire("127.0.0.1", 0);
        // Shard s holds point "p<s>" at (s, 0): the nearest to the origin come from shard 0 up.
        for (int s = 0; s < 4; s++) {
            SHARDS[s] = new LiveShard(s);
            LiveCollection docs =
                    new LiveCollection(
                            "docs",
                            SPEC.getBytes(StandardCharsets.UTF_8),
                            16,
                            new FlatIndex(2, Metric.L2));
            docs.upsert("p" + s, new float[] {s, 0}, null);
            SHARDS[s].putCollection(docs);
            SHARDS[s].setReady(true);
            shardServer.registry().register(SHARDS[s]);
        }
        proxy = new StallingProxy(shardServer.host(), shardServer.port());
        ShardEndpoint direct = new ShardEndpoint(shardServer.host(), shardServer.port());
        ShardEndpoint stallable = new ShardEndpoint("127.0.0.1", proxy.port());
        ShardDirectory directory =
                ShardDirectory.fixed(4, Map.of(0, direct, 1, direct, 2, stallable, 3, stallable));
        server =
                QueryServer.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(topics.prefix())
                        .shards(4)
                        .shardDirectory(directory)
                        .port(0)
                        .resultCacheTtlMs(0)
                        .shardCircuitOpenMs(500)
                        .build()
                        .start();
        cachedServer =
                QueryServer.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(topics.prefix())
                        .shards(4)
                        .shardDirectory(directory)
                        .port(0)
                        .resultCacheTtlMs(60_000)
                        .build()
                        .start();
        // The same spec again is a no-op, so retrying (should the catalog still be loading) is
        // safe.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> send(server, "PUT", "/collections/docs", SPEC).statusCode() == 200);
        for (QueryServer s : List.of(server, cachedServer)) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> send(s, "GET", "/collections/docs", null).statusCode() == 200);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        for (QueryServer s : new QueryServer[] {cachedServer, server}) {
            if (s != null) {
                s.close();
            }
        }
        if (shardServer != null) {
            ShardServer.release();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aStalledShardServerGivesAPartialAnswerNamingItsShardsThenFullAnswersAgain()
            throws Exception {
        String body = "{\"vector\": [0, 0], \"limit\": 4, \"timeout_ms\": 300}";
        JsonNode full = search(server, body);
        assertThat(full.get("partial").asBoolean()).isFalse();
        assertThat(TestStack.ids(full)).containsExactly("p0", "p1", "p2", "p3");

        proxy.stall();
        try {
            for (int i = 0; i < 3; i++) {
                JsonNode partial = search(server, body);
                assertThat(partial.get("partial").asBoolean()).isTrue();
                assertThat(partial.get("missing_shards").toString()).isEqualTo("[2,3]");
                assertThat(TestStack.ids(partial)).containsExactly("p0", "p1");
            }
        } finally {
            proxy.resume();
        }
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> !search(server, body).get("partial").asBoolean());
        assertThat(TestStack.ids(search(server, body))).containsExactly("p0", "p1", "p2", "p3");
    }

    @Test
    void fiftyIdenticalSearchesShareOneFanOutAndARepeatIsACacheHit() throws Exception {
        String body = "{\"vector\": [0.5, 0], \"limit\": 3}";
        long[] before = searchesPerShard();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        // Held at the proxy, the first search's fan-out stays in flight while the others arrive.
        proxy.stall();
        try {
            for (int i = 0; i < 50; i++) {
                answers.add(
                        http.sendAsync(
                                request(
                                        cachedServer,
                                        "POST",
                                        "/collections/docs/points/search",
                                        body),
                                HttpResponse.BodyHandlers.ofString()));
            }
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> metric(cachedServer, "quiver_search_coalesced_total") == 49);
        } finally {
            proxy.resume();
        }
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.join();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(TestStack.ids(JSON.readTree(r.body()))).containsExactly("p0", "p1", "p2");
        }
        long[] after = searchesPerShard();
        for (int s = 0; s < 4; s++) {
            assertThat(after[s] - before[s]).as("searches on shard %d", s).isEqualTo(1);
        }

        JsonNode repeat = search(cachedServer, body);
        assertThat(TestStack.ids(repeat)).containsExactly("p0", "p1", "p2");
        assertThat(searchesPerShard()).containsExactly(after);
        assertThat(metric(cachedServer, "quiver_search_cache_requests_total{result=\"hit\"}"))
                .isEqualTo(1);
    }

    private static long[] searchesPerShard() {
        long[] n = new long[4];
        for (int s = 0; s < 4; s++) {
            n[s] = SHARDS[s].searches();
        }
        return n;
    }

    private static JsonNode search(QueryServer s, String body) throws Exception {
        HttpResponse<String> r = send(s, "POST", "/collections/docs/points/search", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static double metric(QueryServer s, String sample) throws Exception {
        for (String line : send(s, "GET", "/metrics", null).body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return -1;
    }

    private static HttpRequest request(QueryServer s, String method, String path, String body) {
        return TestStack.request(s.port(), method, path, body);
    }

    private static HttpResponse<String> send(QueryServer s, String method, String path, String body)
            throws Exception {
        return http.send(request(s, method, path, body), HttpResponse.BodyHandlers.ofString());
    }
}
