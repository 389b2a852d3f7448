package io.quiver.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.query.internal.Json;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.testing.HttpJson;
import io.quiver.schemas.Topics;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.record.UpsertCodec;
import io.quiver.schemas.routing.OffsetToken;
import io.quiver.testkit.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The write path and the catalog against a real broker; no Flink (no shard is located). */
class QueryServerKafkaITCase {

    private static final AtomicInteger TEST = new AtomicInteger();
    private static EmbeddedKafka kafka;

    private Topics topics;
    private QueryServer server;
    private HttpJson http;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.create().start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @BeforeEach
    void startServer() {
        topics = new Topics("it" + TEST.incrementAndGet());
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.upserts(), 3);
        server = newServer();
        http = new HttpJson(server.port());
        awaitCatalogLoaded(http);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private QueryServer newServer() {
        return QueryServer.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(topics.prefix())
                .shards(4)
                .shardDirectory(ShardDirectory.fixed(4, Map.of()))
                .port(0)
                .requestTimeoutMs(10_000)
                .build()
                .start();
    }

    private static void awaitCatalogLoaded(HttpJson http) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> http.get("/readyz").json().at("/result/catalog_loaded").asBoolean());
    }

    @Test
    void aCreatedCollectionIsVisibleRightAway() {
        HttpJson.Answer put = http.put("/collections/docs", "{\"dimension\":3,\"metric\":\"l2\"}");
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.json().at("/result/created_at_ms").asLong()).isPositive();

        HttpJson.Answer get = http.get("/collections/docs");
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.json().at("/result/dimension").asInt()).isEqualTo(3);
        assertThat(http.get("/collections").json().at("/result/collections/0/name").asText())
                .isEqualTo("docs");

        List<ConsumerRecord<byte[], byte[]>> records =
                kafka.consumeAll(topics.collections(), 1, Duration.ofSeconds(10));
        assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("docs");
    }

    @Test
    void aNewServerLoadsExistingCollectionsFromTheTopic() {
        http.put("/collections/a", "{\"dimension\":3,\"metric\":\"l2\"}");
        http.put("/collections/b", "{\"vectors\":{\"size\":5,\"distance\":\"Dot\"}}");
        try (QueryServer second = newServer()) {
            HttpJson other = new HttpJson(second.port());
            awaitCatalogLoaded(other);
            assertThat(other.get("/collections/b").json().at("/result/metric").asText())
                    .isEqualTo("dot");
            assertThat(other.get("/collections").json().at("/result/collections")).hasSize(2);
        }
    }

    @Test
    void aStartedServerHasReadTheCatalogBeforeItAcceptsConnections() {
        http.put("/collections/a", "{\"dimension\":3,\"metric\":\"l2\"}");
        try (QueryServer second = newServer()) {
            // No wait: a restarted server must not answer 503 catalog_loading to its first client.
            HttpJson.Answer get = new HttpJson(second.port()).get("/collections/a");
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.json().at("/result/dimension").asInt()).isEqualTo(3);
        }
    }

    @Test
    void upsertsLandKeyedOnTheUpsertsTopicAndTheTokenMatchesTheirOffsets() throws Exception {
        http.put("/collections/docs", "{\"dimension\":3,\"metric\":\"cosine\"}");
        StringBuilder body = new StringBuilder("{\"points\":[");
        for (int i = 0; i < 60; i++) {
            body.append(i == 0 ? "" : ",")
                    .append("{\"id\":\"p")
                    .append(i)
                    .append("\",\"vector\":[")
                    .append(i)
                    .append(",1,0.5],\"payload\":{\"n\":")
                    .append(i)
                    .append("}}");
        }
        HttpJson.Answer r = http.put("/collections/docs/points", body.append("]}").toString());
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("acknowledged");
        assertThat(r.json().at("/result/points").asInt()).isEqualTo(60);

        List<ConsumerRecord<byte[], byte[]>> records =
                kafka.consumeAll(topics.upserts(), 60, Duration.ofSeconds(10));
        assertThat(records).hasSize(60);
        Map<Integer, Long> highest = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> rec : records) {
            UpsertRecord u = UpsertCodec.decodeJson(rec.value());
            assertThat(new String(rec.key(), StandardCharsets.UTF_8))
                    .isEqualTo(Topics.pointKey("docs", u.getId()));
            int n = Integer.parseInt(u.getId().substring(1));
            assertThat(u.getOp()).isEqualTo(Op.UPSERT);
            assertThat(u.getVector()).containsExactly((float) n, 1f, 0.5f);
            JsonNode payload = Json.MAPPER.readTree(u.getPayload());
            assertThat(payload.get("n").asInt()).isEqualTo(n);
            highest.merge(rec.partition(), rec.offset(), Math::max);
        }
        assertThat(OffsetToken.parse(r.json().get("token").asText())).isEqualTo(highest);
    }

    @Test
    void deletesLandAsDeleteRecords() {
        http.put("/collections/docs", "{\"dimension\":3,\"metric\":\"cosine\"}");
        HttpJson.Answer r = http.post("/collections/docs/points/delete", "{\"points\":[\"x\"]}");
        assertThat(r.status()).isEqualTo(200);
        ConsumerRecord<byte[], byte[]> rec =
                kafka.consumeAll(topics.upserts(), 1, Duration.ofSeconds(10)).get(0);
        UpsertRecord u = UpsertCodec.decodeJson(rec.value());
        assertThat(u.getOp()).isEqualTo(Op.DELETE);
        assertThat(new String(rec.key(), StandardCharsets.UTF_8)).isEqualTo("docs/x");
        assertThat(OffsetToken.parse(r.json().get("token").asText()))
                .containsEntry(rec.partition(), rec.offset());
    }

    @Test
    void writesToAnUnknownCollectionAre404AndNothingIsProduced() {
        HttpJson.Answer r =
                http.put(
                        "/collections/nope/points", "{\"points\":[{\"id\":\"a\",\"vector\":[1]}]}");
        assertThat(r.status()).isEqualTo(404);
    }

    @Test
    void searchWithoutAnyLocatedShardIsAnEmptyPartialAnswer() {
        http.put("/collections/docs", "{\"dimension\":3,\"metric\":\"cosine\"}");
        HttpJson.Answer r =
                http.post(
                        "/collections/docs/points/search",
                        "{\"vector\":[1,0,0],\"timeout_ms\":200}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("partial").asBoolean()).isTrue();
        assertThat(r.json().get("result")).isEmpty();
        assertThat(r.json().get("missing_shards")).hasSize(4);
        HttpJson.Answer ready = http.get("/readyz");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().at("/result/ready").asInt()).isZero();
    }
}
