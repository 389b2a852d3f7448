package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.search.Hit;
import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SearchEndpointTest {

    private final HttpFixture f = new HttpFixture();

    private HttpExchange.Response search(String body) {
        return f.http.send("POST", "/collections/docs/points/search", body);
    }

    @Test
    void answersHitsBestFirstWithPayloads() {
        f.searcher.answer(
                new SearchOutcome(
                        List.of(
                                new Hit("a", 0.9f, "{\"k\":1}".getBytes(StandardCharsets.UTF_8), 0),
                                new Hit("b", 0.5f, null, 2)),
                        4,
                        List.of()));
        HttpExchange.Response r =
                search("{\"vector\":[1,0,0,0],\"limit\":2,\"with_payload\":true}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
        assertThat(r.json().get("time_ms").isNumber()).isTrue();
        assertThat(r.json().at("/result/0/id").asText()).isEqualTo("a");
        assertThat(r.json().at("/result/0/score").floatValue()).isEqualTo(0.9f);
        assertThat(r.json().at("/result/0/payload/k").asInt()).isEqualTo(1);
        assertThat(r.json().at("/result/1/payload").isNull()).isTrue();
        assertThat(r.json().get("partial").asBoolean()).isFalse();
        assertThat(r.json().get("missing_shards")).isEmpty();

        SearchQuery q = f.searcher.queries().get(0);
        assertThat(q.limit()).isEqualTo(2);
        assertThat(q.withPayload()).isTrue();
        assertThat(q.vector()).containsExactly(1f, 0f, 0f, 0f);
        assertThat(q.timeoutMs()).isEqualTo(HttpFixture.TIMEOUT_MS);
    }

    @Test
    void defaultsAreLimit10AndNoPayload() {
        f.searcher.answer(
                new SearchOutcome(List.of(new Hit("a", 1f, "{}".getBytes(), 0)), 4, List.of()));
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/0").has("payload")).isFalse();
        assertThat(f.searcher.queries().get(0).limit()).isEqualTo(10);
        assertThat(f.searcher.queries().get(0).ef()).isZero();
    }

    @Test
    void passesParamsThresholdAndTimeout() {
        HttpExchange.Response r =
                search(
                        "{\"vector\":[1,0,0,0],\"params\":{\"hnsw_ef\":128},"
                                + "\"score_threshold\":0.25,\"timeout_ms\":50}");
        assertThat(r.status()).isEqualTo(200);
        SearchQuery q = f.searcher.queries().get(0);
        assertThat(q.ef()).isEqualTo(128);
        assertThat(q.scoreThreshold()).isEqualTo(0.25f);
        assertThat(q.timeoutMs()).isEqualTo(50);
    }

    @Test
    void partialAnswerNamesTheMissingShards() {
        f.searcher.answer(new SearchOutcome(List.of(new Hit("a", 1f, null, 0)), 2, List.of(1, 3)));
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("partial").asBoolean()).isTrue();
        assertThat(r.json().get("missing_shards").toString()).isEqualTo("[1,3]");
    }

    @Test
    void noShardAnsweredIs503() {
        f.searcher.answer(new SearchOutcome(List.of(), 0, List.of(0, 1, 2, 3)));
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0]}");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("shards_unavailable");
        assertThat(r.errorMessage()).contains("no shard answered").contains("[0, 1, 2, 3]");
    }

    @Test
    void unknownCollectionIs404() {
        HttpExchange.Response r =
                f.http.send("POST", "/collections/none/points/search", "{\"vector\":[1]}");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("collection_not_found");
    }

    @Test
    void malformedJsonIs400() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0]");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("malformed_json");
    }

    @Test
    void trailingGarbageIs400() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0]} x");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("malformed_json");
    }

    @Test
    void missingVectorIs400() {
        HttpExchange.Response r = search("{\"limit\":3}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).isEqualTo("missing field 'vector'");
    }

    @Test
    void vectorThatIsNotAnArrayIs400() {
        HttpExchange.Response r = search("{\"vector\":\"1,0\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("wrong_type");
        assertThat(r.errorMessage()).contains("vector must be an array of numbers, got string");
    }

    @Test
    void wrongDimensionIs422() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("dimension_mismatch");
        assertThat(r.errorMessage())
                .isEqualTo("search request: vector has 3 dimensions, collection 'docs' expects 4");
    }

    @Test
    void nanTokenIs422() {
        HttpExchange.Response r = search("{\"vector\":[1,0,NaN,0]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("non_finite_component");
        assertThat(r.errorMessage()).contains("vector component 2 is NaN");
    }

    @Test
    void zeroVectorIs422ForCosine() {
        HttpExchange.Response r = search("{\"vector\":[0,0,0,0]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("zero_vector");
    }

    @Test
    void zeroVectorIsFineForL2() {
        HttpExchange.Response r =
                f.http.send("POST", "/collections/geo/points/search", "{\"vector\":[0,0]}");
        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void limitZeroIs422() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"limit\":0}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("invalid_limit");
        assertThat(r.errorMessage()).isEqualTo("'limit' must be between 1 and 1000, got 0");
    }

    @Test
    void negativeLimitIs422() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"limit\":-5}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorMessage()).isEqualTo("'limit' must be between 1 and 1000, got -5");
    }

    @Test
    void limitOver1000Is422() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"limit\":1001}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorMessage()).isEqualTo("'limit' must be between 1 and 1000, got 1001");
    }

    @Test
    void hugeLimitIs422() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"limit\":99999999999}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("out_of_range");
    }

    @Test
    void limitOfWrongTypeIs400() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"limit\":\"ten\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("wrong_type");
        assertThat(r.errorMessage()).isEqualTo("'limit' must be an integer, got string");

        r = search("{\"vector\":[1,0,0,0],\"limit\":2.5}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).isEqualTo("'limit' must be an integer, got number");
    }

    @Test
    void withPayloadOfWrongTypeIs400() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"with_payload\":\"yes\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).isEqualTo("'with_payload' must be true or false, got string");
    }

    @Test
    void badHnswEfIs422() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"params\":{\"hnsw_ef\":0}}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorMessage())
                .isEqualTo("'params.hnsw_ef' must be between 1 and 10000, got 0");
    }

    @Test
    void paramsOfWrongTypeIs400() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"params\":[]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).isEqualTo("'params' must be a JSON object, got array");
    }

    @Test
    void unknownFieldsAre400() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"top\":3}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("unknown_field");
        assertThat(r.errorMessage()).startsWith("unknown field 'top' in search request");

        r = search("{\"vector\":[1,0,0,0],\"params\":{\"ef\":3}}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).startsWith("unknown field 'ef' in params");
    }

    @Test
    void badTimeoutIs422() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"timeout_ms\":0}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("invalid_timeout");
    }

    @Test
    void nonFiniteThresholdIs422() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"score_threshold\":NaN}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("non_finite_number");
    }

    @Test
    void unexpectedFailureIs500Json() {
        HttpFixture broken = new HttpFixture();
        HttpExchange http =
                new HttpExchange(
                        new QueryServices(
                                broken.catalog,
                                broken.writer,
                                (spec, q) -> {
                                    throw new IllegalStateException("bug");
                                },
                                broken.directory,
                                broken.topics,
                                new HttpSettings(1 << 16, 5, 300)));
        HttpExchange.Response r =
                http.send("POST", "/collections/docs/points/search", "{\"vector\":[1,0,0,0]}");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.errorCode()).isEqualTo("internal_error");
    }
}
