package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.query.internal.Json;
import io.quiver.query.testing.FakeTopicWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PointsEndpointsTest {

    private final HttpFixture f = new HttpFixture();

    private HttpExchange.Response upsert(String body) {
        return f.http.send("PUT", "/collections/docs/points", body);
    }

    private HttpExchange.Response delete(String body) {
        return f.http.send("POST", "/collections/docs/points/delete", body);
    }

    @Test
    void upsertProducesOneJsonRecordPerPointAndAnswersWithTheToken() throws Exception {
        HttpExchange.Response r =
                upsert(
                        "{\"points\":["
                                + "{\"id\":\"a1\",\"vector\":[1,0,0,0],\"payload\":{\"t\":\"x\"}},"
                                + "{\"id\":\"bb2\",\"vector\":[0,1,0,0],\"version\":3}]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("acknowledged");
        assertThat(r.json().at("/result/points").asInt()).isEqualTo(2);

        List<FakeTopicWriter.Written> written = f.writer.written();
        assertThat(written).hasSize(2);
        assertThat(written).allMatch(w -> w.topic().equals("quiver.upserts"));
        assertThat(new String(written.get(0).entry().key(), StandardCharsets.UTF_8))
                .isEqualTo("docs/a1");
        JsonNode first = Json.MAPPER.readTree(written.get(0).entry().value());
        assertThat(first.get("collection").asText()).isEqualTo("docs");
        assertThat(first.get("op").asText()).isEqualTo("upsert");
        assertThat(first.get("payload").get("t").asText()).isEqualTo("x");
        JsonNode second = Json.MAPPER.readTree(written.get(1).entry().value());
        assertThat(second.get("version").asLong()).isEqualTo(3);
        // key lengths 7 and 8 land in partitions 1 and 2 of the fake, each at offset 0
        assertThat(r.json().get("token").asText()).isEqualTo("1:0,2:0");
    }

    @Test
    void deleteProducesDeleteRecords() throws Exception {
        HttpExchange.Response r = delete("{\"points\":[\"a1\",\"b2\"]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("acknowledged");
        assertThat(r.json().at("/result/points").asInt()).isEqualTo(2);
        JsonNode rec = Json.MAPPER.readTree(f.writer.written().get(1).entry().value());
        assertThat(rec.get("op").asText()).isEqualTo("delete");
        assertThat(rec.get("id").asText()).isEqualTo("b2");
        assertThat(rec.has("vector")).isFalse();
    }

    @Test
    void unknownCollectionIs404() {
        HttpExchange.Response r = f.http.send("PUT", "/collections/none/points", "{\"points\":[]}");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorMessage()).isEqualTo("collection 'none' does not exist");
    }

    @Test
    void malformedJsonIs400() {
        HttpExchange.Response r = upsert("{\"points\":[{\"id\":\"a\",]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("malformed_json");
    }

    @Test
    void duplicateKeysAre400() {
        HttpExchange.Response r = upsert("{\"points\":[],\"points\":[]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).contains("Duplicate field 'points'");
    }

    @Test
    void wrongDimensionIs422NamingThePoint() {
        HttpExchange.Response r =
                upsert(
                        "{\"points\":[{\"id\":\"a\",\"vector\":[1,2,3,4]},"
                                + "{\"id\":\"b\",\"vector\":[1,2,3]}]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("dimension_mismatch");
        assertThat(r.errorMessage())
                .isEqualTo("points[1]: vector has 3 dimensions, collection 'docs' expects 4");
        assertThat(f.writer.written()).as("nothing of a refused batch is written").isEmpty();
    }

    @Test
    void nanTokenIs422() {
        HttpExchange.Response r = upsert("{\"points\":[{\"id\":\"a\",\"vector\":[1,NaN,3,4]}]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("non_finite_component");
        assertThat(r.errorMessage())
                .isEqualTo("points[0]: vector component 1 is NaN, must be finite");
    }

    @Test
    void overflowingComponentIs422() {
        HttpExchange.Response r = upsert("{\"points\":[{\"id\":\"a\",\"vector\":[1,1e300,3,4]}]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorMessage()).contains("component 1 is Infinity");
    }

    @Test
    void nonNumberComponentIs400() {
        HttpExchange.Response r = upsert("{\"points\":[{\"id\":\"a\",\"vector\":[1,\"2\",3,4]}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("wrong_type");
        assertThat(r.errorMessage()).isEqualTo("points[0]: vector[1] must be a number, got string");
    }

    @Test
    void numericIdIs400() {
        HttpExchange.Response r = upsert("{\"points\":[{\"id\":7,\"vector\":[1,2,3,4]}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).isEqualTo("points[0]: id must be a string, got number");
    }

    @Test
    void missingIdIs400() {
        HttpExchange.Response r = upsert("{\"points\":[{\"vector\":[1,2,3,4]}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("missing_field");
        assertThat(r.errorMessage()).isEqualTo("points[0]: missing field 'id'");
    }

    @Test
    void missingVectorIs400() {
        HttpExchange.Response r = upsert("{\"points\":[{\"id\":\"a\"}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).isEqualTo("points[0]: an upsert needs a 'vector'");
    }

    @Test
    void oversizedIdIs422() {
        String id = "x".repeat(513);
        HttpExchange.Response r =
                upsert("{\"points\":[{\"id\":\"" + id + "\",\"vector\":[1,2,3,4]}]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("invalid_id");
        assertThat(r.errorMessage())
                .isEqualTo("points[0]: id has 513 UTF-8 bytes, at most 512 are allowed");
    }

    @Test
    void emptyIdIs422() {
        HttpExchange.Response r = delete("{\"points\":[\"\"]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorMessage()).isEqualTo("points[0]: id must not be empty");
    }

    @Test
    void payloadThatIsNotAnObjectIs422() {
        HttpExchange.Response r =
                upsert("{\"points\":[{\"id\":\"a\",\"vector\":[1,2,3,4],\"payload\":[1]}]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("invalid_payload");
        assertThat(r.errorMessage()).contains("payload must be a JSON object, got array");
    }

    @Test
    void negativeVersionIs422() {
        HttpExchange.Response r =
                upsert("{\"points\":[{\"id\":\"a\",\"vector\":[1,2,3,4],\"version\":-1}]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorMessage()).isEqualTo("points[0]: version must be >= 0, got -1");
    }

    @Test
    void unknownPointFieldIs400() {
        HttpExchange.Response r = upsert("{\"points\":[{\"id\":\"a\",\"vectors\":[1,2,3,4]}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("unknown_field");
        assertThat(r.errorMessage()).startsWith("unknown field 'vectors' in points[0]");
    }

    @Test
    void pointThatIsNotAnObjectIs400() {
        HttpExchange.Response r = upsert("{\"points\":[\"a\"]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).isEqualTo("points[0] must be a JSON object, got string");
    }

    @Test
    void pointsThatIsNotAnArrayIs400() {
        HttpExchange.Response r = upsert("{\"points\":{}}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).isEqualTo("'points' must be an array, got object");
    }

    @Test
    void missingPointsIs400() {
        HttpExchange.Response r = upsert("{}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("missing_field");
    }

    @Test
    void emptyBatchIs422() {
        HttpExchange.Response r = upsert("{\"points\":[]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("empty_batch");
        assertThat(r.errorMessage()).isEqualTo("'points' must not be empty");
    }

    @Test
    void batchOverTheLimitIs422() {
        StringBuilder b = new StringBuilder("{\"points\":[");
        for (int i = 0; i < HttpFixture.MAX_BATCH + 1; i++) {
            b.append(i == 0 ? "" : ",").append("\"id").append(i).append('"');
        }
        HttpExchange.Response r = delete(b.append("]}").toString());
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("batch_too_large");
        assertThat(r.errorMessage())
                .isEqualTo("batch has 6 points, at most 5 are allowed per request");
    }

    @Test
    void deleteWithNonStringIdIs400() {
        HttpExchange.Response r = delete("{\"points\":[\"a\",3]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage())
                .isEqualTo("points[1] must be a point id as a string, got number");
    }

    @Test
    void bodyOverTheLimitIs413AndClosesTheConnection() {
        byte[] body = new byte[HttpFixture.MAX_BODY + 1];
        java.util.Arrays.fill(body, (byte) ' ');
        HttpExchange.Response r = f.http.sendBytes("PUT", "/collections/docs/points", body);
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.errorCode()).isEqualTo("body_too_large");
        assertThat(r.errorMessage()).contains("exceeds the limit of 65536 bytes");
        assertThat(r.closed()).isTrue();
    }

    @Test
    void kafkaTimeoutIs503() {
        f.writer.hang();
        HttpExchange.Response r = upsert("{\"points\":[{\"id\":\"a\",\"vector\":[1,2,3,4]}]}");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("kafka_timeout");
        assertThat(r.errorMessage()).contains("retrying is safe");
    }
}
