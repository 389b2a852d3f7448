package io.quiver.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.testing.FakeShardServer;
import io.quiver.query.testing.HttpJson;
import io.quiver.schemas.Topics;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.ShardResult;
import io.quiver.testkit.EmbeddedKafka;
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
 * Searches over HTTP through the real server, shard client and merge, against two fake shard
 * servers holding shards {0, 2} and {1, 3}.
 */
class SearchFanOutITCase {

    private static EmbeddedKafka kafka;
    private static FakeShardServer tmA;
    private static FakeShardServer tmB;
    private static QueryServer server;
    private static HttpJson http;
    private static QueryServer cachedServer;
    private static HttpJson cachedHttp;
    private static QueryServer breakerServer;
    private static HttpJson breakerHttp;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.create().start();
        Topics topics = new Topics("fanout");
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.upserts(), 2);
        tmA = new FakeShardServer();
        tmB = new FakeShardServer();
        Map<Integer, ShardEndpoint> where =
                Map.of(0, tmA.endpoint(), 2, tmA.endpoint(), 1, tmB.endpoint(), 3, tmB.endpoint());
        server =
                QueryServer.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(topics.prefix())
                        .shards(4)
                        .shardDirectory(ShardDirectory.fixed(4, where))
                        .port(0)
                        // These tests count shard requests: every search must reach the shards.
                        .resultCacheTtlMs(0)
                        .build()
                        .start();
        http = new HttpJson(server.port());
        cachedServer =
                QueryServer.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(topics.prefix())
                        .shards(4)
                        .shardDirectory(ShardDirectory.fixed(4, where))
                        .port(0)
                        .resultCacheTtlMs(60_000)
                        .build()
                        .start();
        cachedHttp = new HttpJson(cachedServer.port());
        breakerServer =
                QueryServer.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(topics.prefix())
                        .shards(4)
                        .shardDirectory(ShardDirectory.fixed(4, where))
                        .port(0)
                        .resultCacheTtlMs(0)
                        .shardCircuitOpenMs(1_000)
                        .build()
                        .start();
        breakerHttp = new HttpJson(breakerServer.port());
        await().atMost(Duration.ofSeconds(30)).until(() -> http.get("/readyz").status() == 200);
        assertThat(http.put("/collections/docs", "{\"dimension\":2,\"metric\":\"l2\"}").status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> cachedHttp.get("/collections/docs").status() == 200);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> breakerHttp.get("/collections/docs").status() == 200);
    }

    @AfterAll
    static void stop() {
        breakerServer.close();
        cachedServer.close();
        server.close();
        tmA.close();
        tmB.close();
        kafka.close();
    }

    /** Shard s holds points "s<s>-<i>" at distance s + i/10, with payload {"shard": s}. */
    private static ShardResult hits(int shard) {
        String[] ids = new String[3];
        float[] scores = new float[3];
        byte[][] payloads = new byte[3][];
        for (int i = 0; i < 3; i++) {
            ids[i] = "s" + shard + "-" + i;
            scores[i] = shard + i / 10f;
            payloads[i] = ("{\"shard\":" + shard + "}").getBytes(StandardCharsets.UTF_8);
        }
        return new ShardResult(shard, ShardResult.Status.OK, "", null, null, ids, scores, payloads);
    }

    @Test
    void mergesAllShardsWithOneRequestPerShardServer() {
        tmA.answer = SearchFanOutITCase::hits;
        tmB.answer = SearchFanOutITCase::hits;
        tmA.delayMs = 0;
        tmA.requests.clear();
        tmB.requests.clear();
        HttpJson.Answer r =
                http.post(
                        "/collections/docs/points/search",
                        "{\"vector\":[0.5,0.5],\"limit\":4,\"with_payload\":true,"
                                + "\"params\":{\"hnsw_ef\":77}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("partial").asBoolean()).isFalse();
        assertThat(r.json().at("/result/0/id").asText()).isEqualTo("s0-0");
        assertThat(r.json().at("/result/1/id").asText()).isEqualTo("s0-1");
        assertThat(r.json().at("/result/2/id").asText()).isEqualTo("s0-2");
        assertThat(r.json().at("/result/3/id").asText()).isEqualTo("s1-0");
        assertThat(r.json().at("/result/3/payload/shard").asInt()).isEqualTo(1);

        assertThat(tmA.requests).hasSize(1);
        SearchRequest toA = tmA.requests.get(0);
        assertThat(toA.shards()).containsExactly(0, 2);
        assertThat(toA.k()).isEqualTo(4);
        assertThat(toA.ef()).isEqualTo(77);
        assertThat(toA.withPayload()).isTrue();
        assertThat(toA.vector()).containsExactly(0.5f, 0.5f);
        assertThat(tmB.requests).hasSize(1);
        assertThat(tmB.requests.get(0).shards()).containsExactly(1, 3);
    }

    @Test
    void aBatchOfSearchesIsOneRequestPerShardServer() {
        tmA.answer = SearchFanOutITCase::hits;
        tmB.answer = SearchFanOutITCase::hits;
        tmA.requests.clear();
        tmB.requests.clear();
        tmA.batches.clear();
        tmB.batches.clear();
        HttpJson.Answer r =
                http.post(
                        "/collections/docs/points/search/batch",
                        "{\"searches\":[{\"vector\":[0.5,0.5],\"limit\":4},"
                                + "{\"vector\":[1,1],\"limit\":1,\"offset\":3},"
                                + "{\"vector\":[0,1],\"limit\":2,\"params\":{\"exact\":true}}]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/0").size()).isEqualTo(4);
        assertThat(r.json().at("/result/0/3/id").asText()).isEqualTo("s1-0");
        assertThat(r.json().at("/result/1/0/id").asText()).isEqualTo("s1-0");
        assertThat(r.json().at("/result/2/1/id").asText()).isEqualTo("s0-1");
        assertThat(tmA.requests).isEmpty();
        assertThat(tmB.requests).isEmpty();
        assertThat(tmA.batches).hasSize(1);
        assertThat(tmB.batches).hasSize(1);
        assertThat(tmA.batches.get(0).searches())
                .extracting(SearchRequest::k)
                .containsExactly(4, 4, 2);
        assertThat(tmA.batches.get(0).searches().get(0).shards()).containsExactly(0, 2);
        assertThat(tmA.batches.get(0).searches().get(2).exactSearch()).isTrue();
        assertThat(tmB.batches.get(0).searches().get(0).shards()).containsExactly(1, 3);
    }

    @Test
    void returnsPartialResultsWhenAShardServerStalls() {
        tmA.answer = SearchFanOutITCase::hits;
        tmB.answer = SearchFanOutITCase::hits;
        tmA.delayMs = 3000;
        try {
            // Shard server A answers after 3 s: an answer naming its shards came at the timeout.
            HttpJson.Answer r =
                    http.post(
                            "/collections/docs/points/search",
                            "{\"vector\":[0.5,0.5],\"limit\":2,\"timeout_ms\":300}");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("partial").asBoolean()).isTrue();
            assertThat(r.json().get("missing_shards").toString()).isEqualTo("[0,2]");
            assertThat(r.json().at("/result/0/id").asText()).isEqualTo("s1-0");
        } finally {
            tmA.delayMs = 0;
        }
        HttpJson.Answer again =
                http.post("/collections/docs/points/search", "{\"vector\":[0.5,0.5]}");
        assertThat(again.json().get("partial").asBoolean()).isFalse();
    }

    @Test
    void aStalledShardServerTripsItsBreakerSoItsShardsAreMissingAtOnceUntilAProbeSucceeds() {
        tmA.answer = SearchFanOutITCase::hits;
        tmB.answer = SearchFanOutITCase::hits;
        String body = "{\"vector\":[0.5,0.5],\"limit\":2,\"timeout_ms\":200}";
        tmA.delayMs = 5_000;
        try {
            // Timeouts until the breaker has seen enough calls to open.
            await().atMost(Duration.ofSeconds(30))
                    .until(
                            () -> {
                                HttpJson.Answer r =
                                        breakerHttp.post("/collections/docs/points/search", body);
                                assertThat(r.status()).isEqualTo(200);
                                assertThat(r.json().get("missing_shards").toString())
                                        .isEqualTo("[0,2]");
                                return metric(breakerHttp, "quiver_shard_circuit_rejected_total")
                                        > 0;
                            });
            String open = "quiver_shard_circuit_open{endpoint=\"" + tmA.endpoint() + "\"}";
            assertThat(metric(breakerHttp, open)).isEqualTo(1);
            // While open, searches answer without asking shard server A at all.
            int sent = tmA.requests.size();
            for (int i = 0; i < 5; i++) {
                HttpJson.Answer r = breakerHttp.post("/collections/docs/points/search", body);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.json().get("partial").asBoolean()).isTrue();
                assertThat(r.json().get("missing_shards").toString()).isEqualTo("[0,2]");
                assertThat(r.json().at("/result/0/id").asText()).isEqualTo("s1-0");
            }
            assertThat(tmA.requests).hasSize(sent);
            assertThat(breakerHttp.text("/metrics"))
                    .contains("quiver_shard_rpc_seconds_count{outcome=\"circuit_open\"");
        } finally {
            tmA.delayMs = 0;
        }
        // Server A answers again: a probe gets through after the open time and closes the breaker.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () ->
                                !breakerHttp
                                        .post("/collections/docs/points/search", body)
                                        .json()
                                        .get("partial")
                                        .asBoolean());
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () ->
                                metric(
                                                breakerHttp,
                                                "quiver_shard_circuit_open{endpoint=\""
                                                        + tmA.endpoint()
                                                        + "\"}")
                                        == 0);
        HttpJson.Answer full = breakerHttp.post("/collections/docs/points/search", body);
        assertThat(full.json().at("/result/0/id").asText()).isEqualTo("s0-0");
    }

    @Test
    void recoveringShardsAreReportedMissing() {
        tmA.answer = SearchFanOutITCase::hits;
        tmB.answer = s -> ShardResult.failed(s, ShardResult.Status.RECOVERING, "restoring");
        try {
            HttpJson.Answer r =
                    http.post("/collections/docs/points/search", "{\"vector\":[0.5,0.5]}");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("missing_shards").toString()).isEqualTo("[1,3]");
        } finally {
            tmB.answer = SearchFanOutITCase::hits;
        }
    }

    @Test
    void identicalConcurrentSearchesShareOneFanOutAndARepeatIsACacheHit() {
        tmA.answer = SearchFanOutITCase::hits;
        tmB.answer = SearchFanOutITCase::hits;
        tmA.requests.clear();
        tmB.requests.clear();
        CompletableFuture<Void> gate = new CompletableFuture<>();
        tmA.gate = gate;
        String body = "{\"vector\":[0.25,0.75],\"limit\":3}";
        List<CompletableFuture<HttpJson.Answer>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                answers.add(cachedHttp.postAsync("/collections/docs/points/search", body));
            }
            // All 50 are in: one fan-out is held at shard server A, 49 wait for it.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> metric(cachedHttp, "quiver_search_coalesced_total") == 49);
        } finally {
            gate.complete(null);
            tmA.gate = CompletableFuture.completedFuture(null);
        }
        for (CompletableFuture<HttpJson.Answer> a : answers) {
            HttpJson.Answer r = a.join();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().at("/result/0/id").asText()).isEqualTo("s0-0");
        }
        assertThat(tmA.requests).hasSize(1);
        assertThat(tmB.requests).hasSize(1);

        HttpJson.Answer repeat = cachedHttp.post("/collections/docs/points/search", body);
        assertThat(repeat.status()).isEqualTo(200);
        assertThat(repeat.json().at("/result/0/id").asText()).isEqualTo("s0-0");
        assertThat(tmA.requests).hasSize(1);
        assertThat(metric(cachedHttp, "quiver_search_cache_requests_total{result=\"hit\"}"))
                .isEqualTo(1);

        // A read that must see given writes (session here, strong alike) bypasses the cache.
        HttpJson.Answer session =
                cachedHttp.post(
                        "/collections/docs/points/search",
                        "{\"vector\":[0.25,0.75],\"limit\":3,\"consistency\":\"session\","
                                + "\"token\":\"0:0\"}");
        assertThat(session.status()).isEqualTo(200);
        assertThat(tmA.requests).hasSize(2);
    }

    @Test
    void metricsAreServedInThePrometheusFormat() {
        tmA.answer = SearchFanOutITCase::hits;
        tmB.answer = SearchFanOutITCase::hits;
        assertThat(
                        cachedHttp
                                .post("/collections/docs/points/search", "{\"vector\":[1,2]}")
                                .status())
                .isEqualTo(200);
        String text = cachedHttp.text("/metrics");
        assertThat(text)
                .contains(
                        "quiver_http_requests_seconds_count{endpoint=\"/collections/{name}/points/search\",method=\"POST\",status=\"200\"}")
                .contains("quiver_http_requests_seconds_bucket{")
                .contains("quiver_shard_rpc_seconds_count{outcome=\"ok\",type=\"search\"}")
                .contains("quiver_search_cache_hit_ratio")
                .contains("quiver_search_partial_total")
                .contains("quiver_search_coalesced_total");
    }

    /** One sample's value from {@code /metrics}, or -1 when absent. */
    private static double metric(HttpJson client, String sample) {
        for (String line : client.text("/metrics").split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return -1;
    }
}
