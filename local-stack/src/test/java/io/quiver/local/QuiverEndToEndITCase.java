package io.quiver.local;

import static io.quiver.local.TestStack.JSON;
import static io.quiver.local.TestStack.ids;
import static io.quiver.local.TestStack.json;
import static io.quiver.local.TestStack.putVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.schemas.DeadLetterHeaders;
import io.quiver.schemas.Topics;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.record.UpsertCodec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Everything a user touches, in one JVM: a real Kafka broker, the Flink job on a MiniCluster
 * (RocksDB, Queryable State) and the query server, driven over HTTP on loopback and with a plain
 * Kafka producer, and checked against brute force.
 */
class QuiverEndToEndITCase {

    private static final int DIM = 16;
    private static final int SHARDS = 32;
    private static final Topics TOPICS = new Topics("e2e");

    @RegisterExtension
    static final TestStack STACK = new TestStack(TOPICS, SHARDS, "quiver-e2e", 20_000);

    @Test
    void producedAndHttpWrittenPointsAreSearchableExactlyOverHttp() throws Exception {
        HttpResponse<String> created =
                call(
                        "PUT",
                        "/collections/docs",
                        "{\"dimension\": " + DIM + ", \"metric\": \"cosine\"}");
        assertThat(created.statusCode()).isEqualTo(200);
        assertThat(json(call("GET", "/collections", null)).toString()).contains("\"docs\"");

        Random random = new Random(7);
        Map<String, float[]> expected = new LinkedHashMap<>();
        Set<Long> badOffsets = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = STACK.kafka().createProducer()) {
            for (int i = 0; i < 2000; i++) {
                String id = "k" + i;
                float[] v = randomVector(random);
                expected.put(id, v);
                UpsertRecord r = record(id, v, "{\"n\":" + i + "}");
                byte[] value = i % 2 == 0 ? UpsertCodec.encodeJson(r) : UpsertCodec.encodeAvro(r);
                send(producer, id, value);
                if (i % 10 == 0) {
                    // Interleaved bad records: wrong dimension, broken JSON, NaN in Avro.
                    float[] shortVector = new float[DIM - 1];
                    byte[][] bad = {
                        UpsertCodec.encodeJson(record("bad" + i, shortVector, null)),
                        "{\"collection\": \"docs\", \"id\": ".getBytes(StandardCharsets.UTF_8),
                        UpsertCodec.encodeAvro(record("nan" + i, nanVector(), null)),
                    };
                    for (byte[] b : bad) {
                        send(producer, "bad", b);
                    }
                    badOffsets.add((long) i);
                }
            }
            // Written twice: the second vector wins.
            for (int i = 0; i < 20; i++) {
                float[] v = randomVector(random);
                expected.put("k" + i, v);
                send(
                        producer,
                        "k" + i,
                        UpsertCodec.encodeAvro(record("k" + i, v, "{\"n\":" + i + "}")));
            }
            producer.flush();
        }

        // Points written over HTTP with ?wait=true are searchable when the answer comes.
        ArrayNode points = JSON.createArrayNode();
        for (int i = 0; i < 100; i++) {
            float[] v = randomVector(random);
            expected.put("h" + i, v);
            putVector(points.addObject().put("id", "h" + i), v)
                    .putObject("payload")
                    .put("src", "http");
        }
        HttpResponse<String> written =
                call("PUT", "/collections/docs/points?wait=true", "{\"points\": " + points + "}");
        assertThat(written.statusCode()).as(written.body()).isEqualTo(200);
        assertThat(json(written).get("status").asText()).isEqualTo("completed");
        JsonNode own = search(expected.get("h5"), 1, "eventual", null);
        assertThat(own.at("/result/0/id").asText()).isEqualTo("h5");
        assertThat(own.at("/result/0/payload/src").asText()).isEqualTo("http");

        // Strong consistency sees every acknowledged produce; results equal brute force.
        for (int q = 0; q < 20; q++) {
            float[] query = randomVector(random);
            JsonNode answer = search(query, 10, "strong", null);
            assertThat(answer.get("partial").asBoolean()).isFalse();
            List<String> truth = bruteForce(expected, query, 10);
            assertThat(ids(answer)).as("query %d", q).isEqualTo(truth);
            assertThat(answer.at("/result/0/score").floatValue())
                    .isCloseTo(cosine(expected.get(truth.get(0)), query), within(1e-4f));
        }
        for (int i = 0; i < 20; i++) {
            JsonNode answer = search(expected.get("k" + i), 1, "strong", null);
            assertThat(answer.at("/result/0/id").asText()).isEqualTo("k" + i);
            assertThat(answer.at("/result/0/payload/n").asInt()).isEqualTo(i);
        }

        // Filters on payload fields equal the brute-force filtered top-k.
        String filter =
                "{\"must\": [{\"key\": \"n\", \"range\": {\"lt\": 200}}],"
                        + " \"must_not\": [{\"key\": \"n\", \"match\": {\"value\": 5}}]}";
        Map<String, float[]> passing = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            if (i != 5) {
                passing.put("k" + i, expected.get("k" + i));
            }
        }
        for (int q = 0; q < 5; q++) {
            float[] vector = randomVector(random);
            JsonNode answer = search(vector, 10, "strong", null, filter);
            assertThat(ids(answer))
                    .as("filtered query %d", q)
                    .isEqualTo(bruteForce(passing, vector, 10));
        }
        JsonNode one =
                search(
                        randomVector(random),
                        10,
                        "eventual",
                        null,
                        "{\"must\": [{\"key\": \"n\", \"match\": {\"value\": 1234}}]}");
        assertThat(ids(one)).containsExactly("k1234");

        // Point reads and exact counts see what the strong searches above saw.
        JsonNode point = json(call("GET", "/collections/docs/points/k1234", null));
        assertThat(point.at("/result/payload/n").asInt()).isEqualTo(1234);
        float[] stored = expected.get("k1234");
        for (int d = 0; d < DIM; d++) {
            assertThat(point.at("/result/vector/" + d).floatValue()).isEqualTo(stored[d]);
        }
        assertThat(call("GET", "/collections/docs/points/bad0", null).statusCode()).isEqualTo(404);
        HttpResponse<String> counted =
                call(
                        "POST",
                        "/collections/docs/points/count",
                        "{\"filter\": {\"must\": [{\"key\": \"n\", \"range\": {\"lt\": 200}}]}}");
        assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
        assertThat(json(counted).at("/result/count").asLong()).isEqualTo(200);
        assertThat(
                        json(call("POST", "/collections/docs/points/count", null))
                                .at("/result/count")
                                .asLong())
                .isEqualTo(expected.size());
        JsonNode collection = json(call("GET", "/collections/docs", null));
        assertThat(collection.at("/result/points_count").asLong()).isEqualTo(expected.size());
        assertThat(collection.at("/result/points_count_exact").asBoolean()).isTrue();
        assertThat(collection.at("/result/shards/ready").asInt()).isEqualTo(SHARDS);

        // A page further down, vectors as written, and a batch of searches.
        float[] pageQuery = randomVector(random);
        List<String> top20 = bruteForce(expected, pageQuery, 20);
        ObjectNode paged = searchBody(pageQuery, 5).put("offset", 15).put("with_vector", true);
        JsonNode page = json(call("POST", "/collections/docs/points/search", paged.toString()));
        assertThat(ids(page)).isEqualTo(top20.subList(15, 20));
        float[] firstVector = expected.get(top20.get(15));
        for (int d = 0; d < DIM; d++) {
            assertThat(page.at("/result/0/vector/" + d).floatValue()).isEqualTo(firstVector[d]);
        }
        float[] otherQuery = randomVector(random);
        String batch =
                "{\"searches\": ["
                        + searchBody(pageQuery, 3)
                        + ", "
                        + searchBody(otherQuery, 4)
                        + "]}";
        HttpResponse<String> batched = call("POST", "/collections/docs/points/search/batch", batch);
        assertThat(batched.statusCode()).as(batched.body()).isEqualTo(200);
        JsonNode results = json(batched).get("result");
        assertThat(ids(results.get(0))).isEqualTo(top20.subList(0, 3));
        assertThat(ids(results.get(1))).isEqualTo(bruteForce(expected, otherQuery, 4));

        // Deletes over HTTP, with a session token from the delete's answer.
        ArrayNode gone = JSON.createArrayNode();
        for (int i = 0; i < 50; i++) {
            gone.add("k" + (100 + i));
            expected.remove("k" + (100 + i));
        }
        HttpResponse<String> deleted =
                call("POST", "/collections/docs/points/delete", "{\"points\": " + gone + "}");
        assertThat(deleted.statusCode()).isEqualTo(200);
        String token = json(deleted).get("token").asText();
        for (int i = 0; i < 50; i += 7) {
            JsonNode answer = search(randomVector(random), 1000, "session", token);
            assertThat(ids(answer)).doesNotContain("k" + (100 + i)).hasSize(1000);
        }
        float[] query = randomVector(random);
        assertThat(ids(search(query, 10, "session", token)))
                .isEqualTo(bruteForce(expected, query, 10));

        // Every bad record is in the dead-letter topic with its reason; the job kept running.
        List<ConsumerRecord<byte[], byte[]>> letters =
                STACK.kafka()
                        .consumeAll(
                                TOPICS.deadLetters(),
                                badOffsets.size() * 3,
                                Duration.ofSeconds(60));
        Map<String, Integer> reasons = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : letters) {
            String code =
                    new String(
                            r.headers().lastHeader(DeadLetterHeaders.REASON_CODE).value(),
                            StandardCharsets.UTF_8);
            reasons.merge(code, 1, Integer::sum);
        }
        assertThat(reasons)
                .containsEntry("DIMENSION_MISMATCH", badOffsets.size())
                .containsEntry("MALFORMED_JSON", badOffsets.size())
                .containsEntry("NON_FINITE_COMPONENT", badOffsets.size());
    }

    @Test
    void aDeletedCollectionIsGoneAndStartsEmptyWhenCreatedAgain() throws Exception {
        String spec = "{\"dimension\": 2, \"metric\": \"l2\"}";
        assertThat(call("PUT", "/collections/gone", spec).statusCode()).isEqualTo(200);
        String points =
                "{\"points\": [{\"id\": \"a\", \"vector\": [1, 0]},"
                        + " {\"id\": \"b\", \"vector\": [0, 1]}]}";
        HttpResponse<String> written = call("PUT", "/collections/gone/points?wait=true", points);
        assertThat(written.statusCode()).as(written.body()).isEqualTo(200);
        assertThat(
                        json(call("POST", "/collections/gone/points/count", null))
                                .at("/result/count")
                                .asLong())
                .isEqualTo(2);

        HttpResponse<String> deleted = call("DELETE", "/collections/gone", null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(call("GET", "/collections/gone", null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/collections/gone/points/a", null).statusCode()).isEqualTo(404);

        assertThat(call("PUT", "/collections/gone", spec).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(
                        () ->
                                assertThat(
                                                json(call(
                                                                "POST",
                                                                "/collections/gone/points/count",
                                                                null))
                                                        .at("/result/count")
                                                        .asLong())
                                        .isZero());
        assertThat(call("GET", "/collections/gone/points/a", null).statusCode()).isEqualTo(404);
    }

    @Test
    void badHttpInputIsAnsweredWithJsonErrors() throws Exception {
        assertError(call("POST", "/collections/none/points/search", "{\"vector\":[1]}"), 404);
        assertError(call("PUT", "/collections/x", "{\"dimension\": 0, \"metric\": \"l2\"}"), 422);
        assertError(call("PUT", "/collections/x", "{not json"), 400);
        assertError(call("DELETE", "/healthz", null), 405);
    }

    private static void assertError(HttpResponse<String> r, int status) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = json(r);
        assertThat(body.get("status").asText()).isEqualTo("error");
        assertThat(body.at("/error/message").asText()).isNotBlank();
    }

    private static JsonNode search(float[] vector, int limit, String consistency, String token)
            throws Exception {
        return search(vector, limit, consistency, token, null);
    }

    private static JsonNode search(
            float[] vector, int limit, String consistency, String token, String filter)
            throws Exception {
        ObjectNode body =
                TestStack.searchBody(vector, limit, consistency, token).put("with_payload", true);
        if (filter != null) {
            body.set("filter", JSON.readTree(filter));
        }
        HttpResponse<String> r = call("POST", "/collections/docs/points/search", body.toString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    private static ObjectNode searchBody(float[] vector, int limit) {
        return TestStack.searchBody(vector, limit, "strong", null);
    }

    private static HttpResponse<String> call(String method, String path, String body)
            throws Exception {
        return STACK.call(method, path, body);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String id, byte[] value) {
        producer.send(
                new ProducerRecord<>(
                        TOPICS.upserts(),
                        Topics.pointKey("docs", id).getBytes(StandardCharsets.UTF_8),
                        value));
    }

    private static UpsertRecord record(String id, float[] v, String payload) {
        List<Float> vector = new ArrayList<>(v.length);
        for (float f : v) {
            vector.add(f);
        }
        return UpsertRecord.newBuilder()
                .setCollection("docs")
                .setId(id)
                .setOp(Op.UPSERT)
                .setVector(vector)
                .setPayload(payload)
                .setVersion(null)
                .build();
    }

    private static float[] randomVector(Random random) {
        return TestStack.gaussian(random, DIM);
    }

    private static float[] nanVector() {
        float[] v = new float[DIM];
        v[3] = Float.NaN;
        return v;
    }

    private static List<String> bruteForce(Map<String, float[]> points, float[] query, int k) {
        return TestStack.bruteForce(points, query, k, (a, b) -> -cosine(a, b));
    }

    private static float cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return (float) (dot / Math.sqrt(na * nb));
    }
}
