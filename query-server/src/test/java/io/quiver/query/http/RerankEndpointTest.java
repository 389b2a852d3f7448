package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.query.consistency.EndOffsets;
import io.quiver.query.internal.Json;
import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.rerank.Reranking;
import io.quiver.query.search.Hit;
import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import io.quiver.query.testing.RerankTestServer;
import io.quiver.query.testing.RerankTestServer.Mode;
import io.quiver.schemas.collection.CollectionSpecs;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RerankEndpointTest {

    private static final String VECTOR = "\"vector\":[1,0,0,0]";

    private final HttpFixture f = new HttpFixture();
    private final RerankTestServer server;
    private final QueryMetrics metrics = new QueryMetrics();
    private final HttpExchange http;

    RerankEndpointTest() throws IOException {
        server = new RerankTestServer();
        http =
                new HttpExchange(
                        new QueryServices(
                                f.catalog,
                                f.writer,
                                f.searcher,
                                f.directory,
                                f.topics,
                                new HttpSettings(
                                        HttpFixture.MAX_BODY,
                                        HttpFixture.MAX_BATCH,
                                        HttpFixture.TIMEOUT_MS),
                                EndOffsets.none(),
                                f.points,
                                metrics,
                                new Reranking(
                                        HttpClient.newHttpClient(),
                                        metrics,
                                        Duration.ofMillis(300))));
        collection(
                "tei",
                "{\"enabled\":true,\"method\":\"http\",\"url\":\""
                        + server.url("tei")
                        + "\",\"text_field\":\"body\",\"timeout_ms\":10000}");
        // Only the timeout test relies on a short timeout: a loaded machine may need more than
        // 150 ms for a first connection, which must not turn an error case into a timeout.
        collection(
                "slow",
                "{\"method\":\"http\",\"url\":\""
                        + server.url("tei")
                        + "\",\"text_field\":\"body\",\"timeout_ms\":150}");
        collection(
                "cohere",
                "{\"method\":\"http\",\"protocol\":\"cohere\",\"url\":\""
                        + server.url("cohere")
                        + "\",\"text_field\":\"body\",\"timeout_ms\":10000}");
        // Four hits in vector order a, b, c, d; the server prefers b, c, a (d has no text: 0).
        f.searcher.answer(
                new SearchOutcome(
                        List.of(
                                hit("a", 0.9f, "{\"body\":\"alpha 0.1\"}"),
                                hit("b", 0.8f, "{\"body\":\"beta 0.7\"}"),
                                hit("c", 0.7f, "{\"body\":\"gamma 0.5\",\"k\":1}"),
                                hit("d", 0.6f, null)),
                        4,
                        List.of()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void collection(String name, String policy) {
        try {
            f.catalog.apply(
                    name,
                    CollectionSpecs.fromJson(
                            name,
                            Json.MAPPER.readTree(
                                    "{\"dimension\":4,\"metric\":\"cosine\",\"rerank_policy\":"
                                            + policy
                                            + "}")),
                    0,
                    10);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Hit hit(String id, float score, String payload) {
        return new Hit(
                id, score, payload == null ? null : payload.getBytes(StandardCharsets.UTF_8), 0);
    }

    private HttpExchange.Response search(String collection, String body) {
        return http.send("POST", "/collections/" + collection + "/points/search", body);
    }

    private static List<String> ids(HttpExchange.Response r) {
        List<String> ids = new ArrayList<>();
        r.json().get("result").forEach(h -> ids.add(h.get("id").asText()));
        return ids;
    }

    @Test
    void teiRerankedOrderEqualsTheServersOrder() {
        HttpExchange.Response r =
                search("tei", "{" + VECTOR + ",\"limit\":3,\"rerank\":{\"query_text\":\"greek\"}}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("reranked").asBoolean()).isTrue();
        assertThat(r.json().has("rerank_reason")).isFalse();
        assertThat(ids(r)).containsExactly("b", "c", "a");
        assertThat(r.json().at("/result/0/rerank_score").floatValue()).isEqualTo(0.7f);
        assertThat(r.json().at("/result/0/score").floatValue()).isEqualTo(0.8f);
        assertThat(r.json().at("/result/0").has("payload")).isFalse();
        JsonNode sent = server.requests().get(0);
        assertThat(sent.get("query").asText()).isEqualTo("greek");
        assertThat(sent.get("texts"))
                .extracting(JsonNode::asText)
                .containsExactly("alpha 0.1", "beta 0.7", "gamma 0.5", "");
        // The shards were asked for the policy's top_n candidates, with payloads for the texts.
        SearchQuery q = f.searcher.queries().get(0);
        assertThat(q.limit()).isEqualTo(CollectionSpecs.DEFAULT_RERANK_TOP_N);
        assertThat(q.withPayload()).isTrue();
        assertThat(metrics.rerankCount("http", "ok")).isEqualTo(1);
    }

    @Test
    void cohereRerankedOrderEqualsTheServersOrder() {
        HttpExchange.Response r =
                search(
                        "cohere",
                        "{"
                                + VECTOR
                                + ",\"with_payload\":true,"
                                + "\"rerank\":{\"query_text\":\"greek\",\"top_n\":3}}");

        assertThat(r.json().get("reranked").asBoolean()).isTrue();
        assertThat(ids(r)).containsExactly("b", "c", "a", "d");
        assertThat(r.json().at("/result/1/payload/k").asInt()).isEqualTo(1);
        assertThat(r.json().at("/result/3").has("rerank_score")).isFalse();
        JsonNode sent = server.requests().get(0);
        assertThat(sent.get("documents")).hasSize(3);
        assertThat(sent.get("top_n").asInt()).isEqualTo(3);
    }

    @Test
    void pagesOverTheRerankedCandidates() {
        HttpExchange.Response r =
                search(
                        "tei",
                        "{"
                                + VECTOR
                                + ",\"limit\":2,\"offset\":1,"
                                + "\"rerank\":{\"query_text\":\"greek\"}}");
        assertThat(ids(r)).containsExactly("c", "a");
    }

    @Test
    void slowRerankerAnswersInVectorOrderAfterTheTimeout() {
        server.mode(Mode.SLOW).slowMs(3_000);
        HttpExchange.Response r =
                search(
                        "slow",
                        "{" + VECTOR + ",\"limit\":3,\"rerank\":{\"query_text\":\"greek\"}}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("reranked").asBoolean()).isFalse();
        assertThat(r.json().get("rerank_reason").asText()).isEqualTo("timeout");
        assertThat(ids(r)).containsExactly("a", "b", "c");
        assertThat(metrics.rerankCount("http", "timeout")).isEqualTo(1);
    }

    @Test
    void failingRerankerAnswersInVectorOrder() {
        server.mode(Mode.ERROR_500);
        HttpExchange.Response r =
                search("tei", "{" + VECTOR + ",\"limit\":3,\"rerank\":{\"query_text\":\"greek\"}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("reranked").asBoolean()).isFalse();
        assertThat(r.json().get("rerank_reason").asText()).isEqualTo("error");
        assertThat(ids(r)).containsExactly("a", "b", "c");
    }

    @Test
    void garbageAnswersFallBackToVectorOrderForBothProtocols() {
        server.mode(Mode.GARBAGE);
        for (String collection : List.of("tei", "cohere")) {
            HttpExchange.Response r =
                    search(
                            collection,
                            "{" + VECTOR + ",\"limit\":3,\"rerank\":{\"query_text\":\"greek\"}}");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("reranked").asBoolean()).isFalse();
            assertThat(r.json().get("rerank_reason").asText()).isEqualTo("error");
            assertThat(ids(r)).containsExactly("a", "b", "c");
        }
        assertThat(server.calls()).isEqualTo(2);
        assertThat(metrics.rerankCount("http", "error")).isEqualTo(2);
    }

    @Test
    void emptyOrMissingQueryTextMakesNoCall() {
        HttpExchange.Response empty =
                search("tei", "{" + VECTOR + ",\"rerank\":{\"query_text\":\"  \"}}");
        HttpExchange.Response missing = search("tei", "{" + VECTOR + "}");
        HttpExchange.Response noText = search("tei", "{" + VECTOR + ",\"rerank\":{}}");

        for (HttpExchange.Response r : List.of(empty, missing, noText)) {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("reranked").asBoolean()).isFalse();
            assertThat(r.json().get("rerank_reason").asText()).isEqualTo("no_query_text");
            assertThat(ids(r)).containsExactly("a", "b", "c", "d");
        }
        assertThat(server.calls()).isZero();
        // Without reranking the shards are asked exactly what the client asked.
        assertThat(f.searcher.queries().get(0).limit()).isEqualTo(10);
        assertThat(f.searcher.queries().get(0).withPayload()).isFalse();
    }

    @Test
    void rerankFalseOverridesAnEnabledPolicy() {
        HttpExchange.Response r = search("tei", "{" + VECTOR + ",\"rerank\":false}");
        assertThat(r.json().get("reranked").asBoolean()).isFalse();
        assertThat(r.json().get("rerank_reason").asText()).isEqualTo("disabled_by_request");
        assertThat(server.calls()).isZero();
    }

    @Test
    void collectionWithoutPolicyIsNotReranked() {
        HttpExchange.Response r = search("docs", "{" + VECTOR + "}");
        assertThat(r.json().get("reranked").asBoolean()).isFalse();
        assertThat(r.json().get("rerank_reason").asText()).isEqualTo("not_requested");
    }

    @Test
    void requestEnablesADisabledPolicyAndOverridesTopN() {
        HttpExchange.Response r =
                search("cohere", "{" + VECTOR + ",\"rerank\":{\"query_text\":\"q\",\"top_n\":2}}");
        assertThat(r.json().get("reranked").asBoolean()).isTrue();
        // Only a and b were rescored (b first), c and d follow in vector order.
        assertThat(ids(r)).containsExactly("b", "a", "c", "d");
        assertThat(server.requests().get(0).get("documents")).hasSize(2);
    }

    @Test
    void bm25RanksTheDocumentWithTheRareQueryTermFirst() {
        collection("lex", "{\"enabled\":true,\"method\":\"bm25\",\"text_field\":\"body\"}");
        f.searcher.answer(
                new SearchOutcome(
                        List.of(
                                hit("a", 0.9f, "{\"body\":\"the cat sat on the mat\"}"),
                                hit("b", 0.8f, "{\"body\":\"the dog and the cat\"}"),
                                hit("c", 0.7f, "{\"body\":\"a wombat met the cat\"}"),
                                hit("d", 0.6f, "{\"body\":\"the end\"}")),
                        4,
                        List.of()));
        HttpExchange.Response rrf =
                search("lex", "{" + VECTOR + ",\"rerank\":{\"query_text\":\"wombat\"}}");
        assertThat(rrf.json().get("reranked").asBoolean()).isTrue();
        assertThat(ids(rrf)).containsExactly("c", "a", "b", "d");
        HttpExchange.Response weighted =
                search(
                        "lex",
                        "{"
                                + VECTOR
                                + ",\"rerank\":{\"query_text\":\"the wombat\","
                                + "\"fusion\":\"weighted\",\"weight\":0.7}}");
        assertThat(ids(weighted).get(0)).isEqualTo("c");
        assertThat(metrics.rerankCount("bm25", "ok")).isEqualTo(2);
        assertThat(server.calls()).isZero();
    }

    @Test
    void exactAsksTheShardsForFloat32ScoresWithoutPayloads() {
        collection("int8", "{\"enabled\":true,\"method\":\"exact\",\"top_n\":20}");
        HttpExchange.Response r =
                search("int8", "{" + VECTOR + ",\"limit\":2,\"rerank\":{\"query_text\":\"q\"}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("reranked").asBoolean()).isTrue();
        assertThat(ids(r)).containsExactly("a", "b");
        assertThat(r.json().at("/result/1/rerank_score").floatValue()).isEqualTo(0.8f);
        SearchQuery q = f.searcher.queries().get(0);
        assertThat(q.exactScores()).isTrue();
        assertThat(q.withPayload()).isFalse();
        assertThat(q.limit()).isEqualTo(20);
        assertThat(metrics.rerankCount("exact", "ok")).isEqualTo(1);
        assertThat(server.calls()).isZero();
    }

    @Test
    void searchesThatDoNotRerankNeverAskForExactScores() {
        search("docs", "{" + VECTOR + "}");
        assertThat(f.searcher.queries().get(0).exactScores()).isFalse();
    }

    @Test
    void recurringQueryTextIsAnsweredFromTheScoreCache() {
        String body = "{" + VECTOR + ",\"limit\":3,\"rerank\":{\"query_text\":\"greek\"}}";
        HttpExchange.Response first = search("tei", body);
        HttpExchange.Response second = search("tei", body);

        assertThat(server.calls()).isEqualTo(1);
        assertThat(second.json().get("reranked").asBoolean()).isTrue();
        assertThat(ids(second)).isEqualTo(ids(first)).containsExactly("b", "c", "a");
        assertThat(second.json().at("/result/0/rerank_score").floatValue()).isEqualTo(0.7f);
        assertThat(metrics.rerankCacheHitCount()).isEqualTo(4);

        search("tei", "{" + VECTOR + ",\"rerank\":{\"query_text\":\"latin\"}}");
        assertThat(server.calls()).isEqualTo(2);
    }

    @Test
    void onlyCandidatesMissingFromTheScoreCacheAreSent() {
        String body = "{" + VECTOR + ",\"rerank\":{\"query_text\":\"greek\"}}";
        search("tei", body);
        // c's text changed since: only c is asked again, and now ranks first.
        f.searcher.answer(
                new SearchOutcome(
                        List.of(
                                hit("a", 0.9f, "{\"body\":\"alpha 0.1\"}"),
                                hit("b", 0.8f, "{\"body\":\"beta 0.7\"}"),
                                hit("c", 0.7f, "{\"body\":\"gamma 0.95\"}"),
                                hit("d", 0.6f, null)),
                        4,
                        List.of()));
        HttpExchange.Response r = search("tei", body);

        assertThat(server.calls()).isEqualTo(2);
        assertThat(server.requests().get(1).get("texts"))
                .extracting(JsonNode::asText)
                .containsExactly("gamma 0.95");
        assertThat(ids(r)).containsExactly("c", "b", "a", "d");
    }

    @Test
    void failuresAreNotCached() {
        String body = "{" + VECTOR + ",\"rerank\":{\"query_text\":\"greek\"}}";
        server.mode(Mode.ERROR_500);
        assertThat(search("tei", body).json().get("reranked").asBoolean()).isFalse();
        server.mode(Mode.SCORE);
        assertThat(search("tei", body).json().get("reranked").asBoolean()).isTrue();
        assertThat(server.calls()).isEqualTo(2);
    }

    @Test
    void circuitBreakerStopsCallingAFailingRerankerAndProbesLater() {
        server.mode(Mode.ERROR_500);
        String body = "{" + VECTOR + ",\"rerank\":{\"query_text\":\"q\"}}";
        for (int i = 0; i < 5; i++) {
            assertThat(search("tei", body).json().get("rerank_reason").asText()).isEqualTo("error");
        }
        HttpExchange.Response open = search("tei", body);
        assertThat(open.json().get("rerank_reason").asText()).isEqualTo("circuit_open");
        assertThat(ids(open)).containsExactly("a", "b", "c", "d");
        assertThat(server.calls()).isEqualTo(5);
        assertThat(metrics.rerankCount("http", "circuit_open")).isEqualTo(1);

        server.mode(Mode.SCORE);
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(() -> search("tei", body).json().get("reranked").asBoolean());
        assertThat(server.calls()).isGreaterThan(5);
    }

    @Test
    void batchSearchesReportRerankingPerSearch() {
        HttpExchange.Response r =
                http.send(
                        "POST",
                        "/collections/tei/points/search/batch",
                        "{\"searches\":[{"
                                + VECTOR
                                + ",\"rerank\":{\"query_text\":\"q\"}},{"
                                + VECTOR
                                + ",\"rerank\":false}]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/reranked/0").asBoolean()).isTrue();
        assertThat(r.json().at("/reranked/1").asBoolean()).isFalse();
        assertThat(r.json().at("/rerank_reasons/0").isNull()).isTrue();
        assertThat(r.json().at("/rerank_reasons/1").asText()).isEqualTo("disabled_by_request");
        assertThat(r.json().at("/result/0/0/id").asText()).isEqualTo("b");
    }

    @Test
    void invalidRerankRequestsAre422NamingTheField() {
        invalid("tei", "\"yes\"", "'rerank' must be false or an object, got string");
        invalid("tei", "true", "'rerank' must be false or an object");
        invalid(
                "tei",
                "{\"top_n\":0}",
                "'rerank.top_n' must be an integer between 1 and 1000, got 0");
        invalid("tei", "{\"top_n\":\"5\"}", "'rerank.top_n' must be an integer");
        invalid(
                "tei",
                "{\"method\":\"colbert\"}",
                "'rerank.method' must be 'exact', 'bm25' or 'http'");
        invalid("tei", "{\"query_text\":7}", "'rerank.query_text' must be a string, got number");
        invalid("tei", "{\"text\":\"q\"}", "unknown field 'rerank.text'");
        invalid("tei", "{\"fusion\":\"rrf\"}", "'rerank.fusion' applies to method 'bm25' only");
        invalid(
                "tei",
                "{\"method\":\"bm25\",\"fusion\":\"max\"}",
                "'rerank.fusion' must be 'rrf' or 'weighted', got 'max'");
        invalid(
                "tei",
                "{\"method\":\"bm25\",\"weight\":0.3}",
                "'rerank.weight' applies to method 'bm25' with fusion 'weighted' only");
        invalid(
                "tei",
                "{\"method\":\"bm25\",\"fusion\":\"weighted\",\"weight\":1.5}",
                "'rerank.weight' must be a number between 0 and 1, got 1.5");
        invalid(
                "docs",
                "{\"method\":\"http\",\"query_text\":\"q\"}",
                "'rerank.method' 'http' needs rerank_policy.url on collection 'docs'");
        assertThat(server.calls()).isZero();
    }

    private void invalid(String collection, String rerank, String message) {
        HttpExchange.Response r = search(collection, "{" + VECTOR + ",\"rerank\":" + rerank + "}");
        assertThat(r.status()).as(rerank).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("invalid_rerank");
        assertThat(r.errorMessage()).contains(message);
    }
}
