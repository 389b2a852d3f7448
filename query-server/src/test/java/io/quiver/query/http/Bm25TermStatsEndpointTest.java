package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.consistency.EndOffsets;
import io.quiver.query.internal.Json;
import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.rerank.CorpusStats;
import io.quiver.query.rerank.RerankSettings;
import io.quiver.query.rerank.Reranking;
import io.quiver.query.search.Hit;
import io.quiver.query.search.SearchOutcome;
import io.quiver.schemas.collection.CollectionSpecs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * How the search endpoints use the collection's term statistics: asked for the query's terms of a
 * {@code bm25} search only, and a search without them still reranked but answering {@code
 * rerank_reason: candidate_idf}, in single and batch answers.
 */
class Bm25TermStatsEndpointTest {

    private static final String VECTOR = "\"vector\":[1,0,0,0]";
    private static final String BM25 =
            "\"rerank\":{\"query_text\":\"Quokka sunset\",\"method\":\"bm25\","
                    + "\"fusion\":\"weighted\",\"weight\":0.8}";

    private final HttpFixture f = new HttpFixture();
    private final QueryMetrics metrics = new QueryMetrics();
    private final List<String> asked = new ArrayList<>();
    private volatile CorpusStats stats =
            new CorpusStats(1000, 4000, Map.of("quokka", 2L, "sunset", 900L), null);
    private final HttpExchange http;

    Bm25TermStatsEndpointTest() throws Exception {
        http =
                new HttpExchange(
                        QueryServices.builder()
                                .catalog(f.catalog)
                                .writer(f.writer)
                                .searcher(f.searcher)
                                .directory(f.directory)
                                .topics(f.topics)
                                .settings(
                                        new HttpSettings(
                                                HttpFixture.MAX_BODY,
                                                HttpFixture.MAX_BATCH,
                                                HttpFixture.TIMEOUT_MS))
                                .endOffsets(EndOffsets.none())
                                .points(f.points)
                                .metrics(metrics)
                                .reranking(
                                        new Reranking(
                                                null,
                                                metrics,
                                                RerankSettings.defaults(),
                                                (collection, field, terms, timeoutMs) -> {
                                                    asked.add(
                                                            collection + "/" + field + "/" + terms);
                                                    return CompletableFuture.completedFuture(stats);
                                                }))
                                .build());
        f.catalog.apply(
                "docs",
                CollectionSpecs.fromJson(
                        "docs",
                        Json.MAPPER.readTree(
                                "{\"dimension\":4,\"metric\":\"cosine\",\"rerank_policy\":"
                                        + "{\"method\":\"bm25\",\"text_field\":\"body\"}}")),
                0,
                10);
        // "sunset" is the rare term among these candidates, "quokka" the rare one in the
        // collection.
        f.searcher.answer(
                new SearchOutcome(
                        List.of(
                                hit("a", 0.9f, "sunset stone road"),
                                hit("b", 0.8f, "quokka stone road"),
                                hit("c", 0.7f, "quokka hill road"),
                                hit("d", 0.6f, "green hill road")),
                        4,
                        List.of()));
    }

    private static Hit hit(String id, float score, String body) {
        return new Hit(
                id, score, ("{\"body\":\"" + body + "\"}").getBytes(StandardCharsets.UTF_8), 0);
    }

    private HttpExchange.Response search(String body) {
        return http.send("POST", "/collections/docs/points/search", body);
    }

    @Test
    void aBm25SearchAsksForItsTermsOfThePolicysFieldAndRanksByTheCollectionsIdf() {
        HttpExchange.Response r = search("{" + VECTOR + "," + BM25 + "}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(asked).containsExactly("docs/body/[quokka, sunset]");
        assertThat(r.json().get("reranked").asBoolean()).isTrue();
        assertThat(r.json().has("rerank_reason")).isFalse();
        assertThat(r.json().at("/result/0/id").asText()).isEqualTo("b");
        assertThat(metrics.rerankCount("bm25", "ok")).isEqualTo(1);
    }

    @Test
    void missingStatisticsStillRerankWithCandidateIdfAndSaySo() {
        stats = CorpusStats.unavailable("no term statistics from shards [1]");
        HttpExchange.Response r = search("{" + VECTOR + "," + BM25 + "}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("reranked").asBoolean()).isTrue();
        assertThat(r.json().get("rerank_reason").asText()).isEqualTo("candidate_idf");
        assertThat(r.json().at("/result/0/id").asText()).isEqualTo("a");
        assertThat(metrics.rerankCount("bm25", "candidate_idf")).isEqualTo(1);

        HttpExchange.Response batch =
                http.send(
                        "POST",
                        "/collections/docs/points/search/batch",
                        "{\"searches\":[{"
                                + VECTOR
                                + ","
                                + BM25
                                + "},{"
                                + VECTOR
                                + ",\"rerank\":false}]}");
        assertThat(batch.status()).isEqualTo(200);
        assertThat(batch.json().at("/reranked/0").asBoolean()).isTrue();
        assertThat(batch.json().at("/rerank_reasons/0").asText()).isEqualTo("candidate_idf");
        assertThat(batch.json().at("/rerank_reasons/1").asText()).isEqualTo("disabled_by_request");
    }

    @Test
    void searchesThatAreNotRerankedByBm25AskForNoStatistics() {
        search("{" + VECTOR + "}");
        search("{" + VECTOR + ",\"rerank\":false}");
        search("{" + VECTOR + ",\"rerank\":{\"query_text\":\"q\",\"method\":\"exact\"}}");
        search("{" + VECTOR + ",\"rerank\":{\"query_text\":\" \",\"method\":\"bm25\"}}");
        assertThat(asked).isEmpty();
    }
}
