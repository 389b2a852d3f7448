package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.search.Hit;
import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import io.quiver.schemas.filter.Filter;
import io.quiver.schemas.filter.Match;
import io.quiver.schemas.filter.Range;
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
    void paramsExactAsksForAnExactSearchAndIsOffByDefault() {
        assertThat(search("{\"vector\":[1,0,0,0],\"params\":{\"exact\":true}}").status())
                .isEqualTo(200);
        assertThat(search("{\"vector\":[1,0,0,0],\"params\":{\"exact\":false}}").status())
                .isEqualTo(200);
        assertThat(search("{\"vector\":[1,0,0,0]}").status()).isEqualTo(200);
        assertThat(f.searcher.queries())
                .extracting(SearchQuery::exact)
                .containsExactly(true, false, false);
    }

    @Test
    void paramsExactOfWrongTypeIs400() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"params\":{\"exact\":1}}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage()).isEqualTo("'params.exact' must be true or false, got number");
    }

    @Test
    void everyConsistencyAndParameterErrorNamesItsCode() {
        record Case(String body, int status, String code) {}
        List<Case> cases =
                List.of(
                        new Case(
                                "{\"vector\":[1,0,0,0],\"consistency\":\"linearizable\"}",
                                422,
                                "invalid_consistency"),
                        new Case(
                                "{\"vector\":[1,0,0,0],\"consistency\":\"session\"}",
                                422,
                                "missing_token"),
                        new Case(
                                "{\"vector\":[1,0,0,0],\"consistency\":\"session\","
                                        + "\"token\":\"0-1\"}",
                                422,
                                "invalid_token"),
                        new Case(
                                "{\"vector\":[1,0,0,0],\"params\":{\"hnsw_ef\":100000}}",
                                422,
                                "invalid_hnsw_ef"));
        for (Case c : cases) {
            HttpExchange.Response r = search(c.body());
            assertThat(r.status()).as(c.body()).isEqualTo(c.status());
            assertThat(r.errorCode()).as(c.body()).isEqualTo(c.code());
        }
        HttpExchange.Response r =
                f.http.send(
                        "PUT",
                        "/collections/docs/points?wait=soon",
                        "{\"points\":[{\"id\":\"a\",\"vector\":[1,0,0,0]}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("invalid_parameter");
        assertThat(r.errorMessage())
                .isEqualTo("query parameter 'wait' must be true or false, got 'soon'");
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
    void noShardAnsweringIsAnEmptyPartialAnswerNamingEveryShard() {
        f.searcher.answer(new SearchOutcome(List.of(), 0, List.of(0, 1, 2, 3)));
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("partial").asBoolean()).isTrue();
        assertThat(r.json().get("result")).isEmpty();
        assertThat(r.json().get("missing_shards").toString()).isEqualTo("[0,1,2,3]");
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
                        QueryServices.builder()
                                .catalog(broken.catalog)
                                .writer(broken.writer)
                                .searcher(
                                        (spec, q) -> {
                                            throw new IllegalStateException("bug");
                                        })
                                .directory(broken.directory)
                                .topics(broken.topics)
                                .settings(new HttpSettings(1 << 16, 5, 300))
                                .build());
        HttpExchange.Response r =
                http.send("POST", "/collections/docs/points/search", "{\"vector\":[1,0,0,0]}");
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.errorCode()).isEqualTo("internal_error");
    }

    @Test
    void passesAValidatedFilterToTheSearcher() {
        HttpExchange.Response r =
                search(
                        "{\"vector\":[1,0,0,0],\"filter\":{\"must\":[{\"key\":\"color\","
                                + "\"match\":{\"value\":\"red\"}}],\"must_not\":{\"key\":\"n\","
                                + "\"range\":{\"gte\":5}}}}");
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
        Filter filter = f.searcher.queries().get(0).filter();
        assertThat(filter.must()).containsExactly(new Match("color", "red"));
        assertThat(filter.mustNot()).containsExactly(new Range("n", null, 5.0, null, null));
    }

    @Test
    void anEmptyOrNullFilterIsNoFilter() {
        assertThat(search("{\"vector\":[1,0,0,0],\"filter\":{}}").status()).isEqualTo(200);
        assertThat(search("{\"vector\":[1,0,0,0],\"filter\":null}").status()).isEqualTo(200);
        assertThat(f.searcher.queries()).allSatisfy(q -> assertThat(q.filter()).isNull());
    }

    @Test
    void malformedFiltersAre400NamingThePlace() {
        assertFilterError("[]", 400, "malformed_filter", "filter must be a JSON object, got array");
        assertFilterError(
                "{\"must\":[{\"key\":\"a\",\"match\":{\"value\":1},\"x\":1}]}",
                400,
                "malformed_filter",
                "filter.must[0]: unknown field 'x'");
        assertFilterError(
                "{\"should\":[{\"key\":\"a\",\"range\":{\"lt\":\"3\"}}]}",
                400,
                "malformed_filter",
                "filter.should[0].range.lt must be a number, got string");
    }

    @Test
    void filtersBreakingARuleAre422() {
        assertFilterError(
                "{\"must\":[{\"key\":\"a\",\"match\":{\"value\":0.5}}]}",
                422,
                "invalid_match_value",
                "filter.must[0].match.value must be a keyword (string), an integer or a boolean");
        assertFilterError(
                "{\"must_not\":[{\"key\":\"a\",\"range\":{}}]}",
                422,
                "invalid_range",
                "filter.must_not[0].range needs at least one of 'gt', 'gte', 'lt', 'lte'");
        String deep = "{\"key\":\"a\",\"match\":{\"value\":1}}";
        for (int i = 0; i < 6; i++) {
            deep = "{\"must\":[" + deep + "]}";
        }
        assertFilterError(deep, 422, "filter_too_deep", "filters nest at most 5 levels deep");
    }

    private void assertFilterError(String filter, int status, String code, String message) {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"filter\":" + filter + "}");
        assertThat(r.status()).as(r.json().toString()).isEqualTo(status);
        assertThat(r.errorCode()).isEqualTo(code);
        assertThat(r.errorMessage()).contains(message);
    }

    @Test
    void passesOffsetAndWithVectorAndAnswersVectors() {
        f.searcher.answer(
                new SearchOutcome(
                        List.of(new Hit("a", 0.9f, null, 0, new float[] {1f, 0.5f, 0f, 0f})),
                        4,
                        List.of()));
        HttpExchange.Response r =
                search("{\"vector\":[1,0,0,0],\"limit\":5,\"offset\":995,\"with_vector\":true}");
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
        assertThat(r.json().at("/result/0/vector").toString()).isEqualTo("[1.0,0.5,0.0,0.0]");
        assertThat(r.json().at("/result/0").has("payload")).isFalse();
        SearchQuery q = f.searcher.queries().get(0);
        assertThat(q.offset()).isEqualTo(995);
        assertThat(q.withVector()).isTrue();
        assertThat(q.depth()).isEqualTo(1000);
    }

    @Test
    void anOffsetBeyondTheLimitIs422() {
        HttpExchange.Response r = search("{\"vector\":[1,0,0,0],\"limit\":10,\"offset\":991}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("invalid_offset");
        assertThat(r.errorMessage())
                .isEqualTo(
                        "'offset' must be between 0 and 990 (offset + limit at most 1000), got 991");
        assertThat(search("{\"vector\":[1,0,0,0],\"offset\":-1}").errorCode())
                .isEqualTo("invalid_offset");
        assertThat(search("{\"vector\":[1,0,0,0],\"offset\":\"2\"}").status()).isEqualTo(400);
        assertThat(search("{\"vector\":[1,0,0,0],\"with_vector\":1}").errorMessage())
                .isEqualTo("'with_vector' must be true or false, got number");
    }

    @Test
    void batchAnswersOneResultPerSearchInOrder() {
        f.searcher.answer(new SearchOutcome(List.of(new Hit("a", 0.5f, null, 0)), 3, List.of(2)));
        HttpExchange.Response r =
                f.http.send(
                        "POST",
                        "/collections/docs/points/search/batch",
                        "{\"searches\":[{\"vector\":[1,0,0,0],\"limit\":1},"
                                + "{\"vector\":[0,1,0,0],\"limit\":2,\"with_payload\":true}]}");
        assertThat(r.status()).as(r.json().toString()).isEqualTo(200);
        assertThat(r.json().get("result")).hasSize(2);
        assertThat(r.json().at("/result/0/0/id").asText()).isEqualTo("a");
        assertThat(r.json().at("/result/0/0").has("payload")).isFalse();
        assertThat(r.json().at("/result/1/0/payload").isNull()).isTrue();
        assertThat(r.json().get("partial").asBoolean()).isTrue();
        assertThat(r.json().get("missing_shards").toString()).isEqualTo("[2]");
        assertThat(f.searcher.queries()).extracting(SearchQuery::limit).containsExactly(1, 2);
    }

    @Test
    void batchNamesTheSearchThatIsInvalid() {
        HttpExchange.Response r =
                f.http.send(
                        "POST",
                        "/collections/docs/points/search/batch",
                        "{\"searches\":[{\"vector\":[1,0,0,0]},{\"vector\":[1,0,0,0],\"limit\":0}]}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("invalid_limit");
        assertThat(r.errorMessage()).startsWith("searches[1]: 'limit' must be between 1 and 1000");
        assertThat(f.searcher.queries()).isEmpty();
        HttpExchange.Response typo =
                f.http.send(
                        "POST",
                        "/collections/docs/points/search/batch",
                        "{\"searches\":[{\"vectr\":[1,0,0,0]}]}");
        assertThat(typo.status()).isEqualTo(400);
        assertThat(typo.errorMessage()).startsWith("searches[0]: unknown field 'vectr'");
    }

    @Test
    void batchSizeAndShapeAreChecked() {
        assertThat(batch("{}").errorMessage()).isEqualTo("missing field 'searches'");
        assertThat(batch("{\"searches\":{}}").errorMessage())
                .isEqualTo("'searches' must be an array of searches, got object");
        assertThat(batch("{\"searches\":[]}").errorCode()).isEqualTo("invalid_batch_size");
        assertThat(batch("{\"searches\":[1]}").errorMessage())
                .isEqualTo("'searches[0]' must be a JSON object, got number");
        StringBuilder many = new StringBuilder("{\"searches\":[");
        for (int i = 0; i <= SearchBatchHandler.MAX_SEARCHES; i++) {
            many.append(i == 0 ? "" : ",").append("{\"vector\":[1,0,0,0]}");
        }
        HttpExchange.Response r = batch(many.append("]}").toString());
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorMessage()).isEqualTo("'searches' must hold 1 to 100 searches, got 101");
    }

    @Test
    void aBatchWithNoShardAnsweringAnswersPartial() {
        f.searcher.answer(new SearchOutcome(List.of(), 0, List.of(0, 1, 2, 3)));
        HttpExchange.Response r = batch("{\"searches\":[{\"vector\":[1,0,0,0]}]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().toString()).contains("\"partial\":true");
    }

    private HttpExchange.Response batch(String body) {
        return f.http.send("POST", "/collections/docs/points/search/batch", body);
    }
}
