package io.quiver.query.rerank;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.search.Hit;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * BM25 with the collection's term statistics against the candidates' own, on ten candidates where
 * "quokka" is in six of them but in only those six of the collection's 2,000 points, and "sunset"
 * is in one of them but in 1,500 points of the collection.
 */
class Bm25CorpusIdfTest {

    private static final String QUERY = "quokka sunset";
    private static final CorpusStats COLLECTION =
            new CorpusStats(2000, 8000, Map.of("quokka", 6L, "sunset", 1500L), null);

    /** Vector rank i; ranks 2–7 hold "quokka", rank 9 (the worst) "sunset"; four terms each. */
    private static List<Hit> candidates() {
        List<Hit> hits = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String text =
                    i >= 2 && i <= 7
                            ? "quokka stone road field"
                            : i == 9 ? "sunset stone road field" : "green stone road field";
            hits.add(
                    new Hit(
                            "doc-" + i,
                            1f - 0.01f * i,
                            ("{\"text\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8),
                            i % 4));
        }
        return hits;
    }

    private static RerankPlan plan(int timeoutMs) {
        return new RerankPlan(
                RerankMethod.BM25, QUERY, 10, timeoutMs, "text", null, Fusion.WEIGHTED, 0.8f, null);
    }

    private static Reranking reranking(QueryMetrics metrics, TermStatsSource source) {
        return new Reranking(null, metrics, RerankSettings.defaults(), source);
    }

    @Test
    void collectionIdfWeighsTheTermRareInTheCollectionWhereCandidateIdfGetsItWrong() {
        RerankResult collection =
                reranking(new QueryMetrics(), (c, f, t, ms) -> done(COLLECTION))
                        .rerank("docs", plan(1000), candidates(), done(COLLECTION))
                        .join();
        assertThat(collection.reranked()).isTrue();
        assertThat(collection.reason()).isNull();
        assertThat(collection.hits().get(0).id()).isEqualTo("doc-2");
        assertThat(collection.hits().subList(0, 6))
                .extracting(Hit::id)
                .containsExactly("doc-2", "doc-3", "doc-4", "doc-5", "doc-6", "doc-7");

        // The candidates' own statistics: "sunset" is the rare one among them.
        RerankResult candidates =
                new Reranking(null, new QueryMetrics(), RerankSettings.defaults())
                        .rerank("docs", plan(1000), candidates())
                        .join();
        assertThat(candidates.hits().get(0).id()).isEqualTo("doc-9");
    }

    @Test
    void theIdfIsBm25sOverTheCollectionAndClampsARacyFrequency() {
        assertThat(COLLECTION.idf("quokka")).isEqualTo(Math.log(1 + (2000 - 6 + 0.5) / (6 + 0.5)));
        assertThat(COLLECTION.idf("absent")).isEqualTo(Math.log(1 + 2000.5 / 0.5));
        assertThat(Bm25Reranker.idf(3, 5)).isEqualTo(Bm25Reranker.idf(3, 3)).isPositive();
        assertThat(COLLECTION.averageLength()).isEqualTo(4.0);
    }

    @Test
    void missingStatisticsFallBackToCandidateIdfFlaggedAndCounted() {
        QueryMetrics metrics = new QueryMetrics();
        CompletableFuture<CorpusStats> missing =
                done(CorpusStats.unavailable("no term statistics from shards [2]"));
        RerankResult r =
                reranking(metrics, (c, f, t, ms) -> missing)
                        .rerank("docs", plan(1000), candidates(), missing)
                        .join();
        assertThat(r.reranked()).isTrue();
        assertThat(r.reason()).isEqualTo(RerankPlan.REASON_CANDIDATE_IDF);
        assertThat(r.hits().get(0).id()).isEqualTo("doc-9");
        assertThat(metrics.rerankCount("bm25", "candidate_idf")).isEqualTo(1);
        assertThat(metrics.rerankCount("bm25", "ok")).isZero();
    }

    @Test
    void statisticsThatNeverComeFallBackAfterHalfTheTimeoutAndStillRerank() {
        CompletableFuture<CorpusStats> never = new CompletableFuture<>();
        RerankResult r =
                reranking(new QueryMetrics(), (c, f, t, ms) -> never)
                        .rerank("docs", plan(200), candidates(), never)
                        .join();
        assertThat(r.reranked()).isTrue();
        assertThat(r.reason()).isEqualTo(RerankPlan.REASON_CANDIDATE_IDF);
        assertThat(never).as("the caller's future is left alone").isNotDone();

        CompletableFuture<CorpusStats> failed =
                CompletableFuture.failedFuture(new IllegalStateException("x"));
        assertThat(
                        reranking(new QueryMetrics(), (c, f, t, ms) -> failed)
                                .rerank("docs", plan(200), candidates(), failed)
                                .join()
                                .reason())
                .isEqualTo(RerankPlan.REASON_CANDIDATE_IDF);
    }

    @Test
    void statisticsAreAskedForTheDistinctQueryTermsOfBm25PlansOnly() {
        AtomicReference<String> asked = new AtomicReference<>();
        TermStatsSource source =
                (String collection, String field, Collection<String> terms, long timeoutMs) -> {
                    asked.set(collection + "/" + field + "/" + terms + "/" + timeoutMs);
                    return done(COLLECTION);
                };
        Reranking reranking = reranking(new QueryMetrics(), source);
        RerankPlan plan =
                new RerankPlan(
                        RerankMethod.BM25,
                        "Sunset, QUOKKA sunset!",
                        10,
                        200,
                        "body",
                        null,
                        Fusion.RRF,
                        0.5f,
                        null);
        assertThat(reranking.termStats("docs", plan, 1000)).isNotNull();
        assertThat(asked.get()).isEqualTo("docs/body/[sunset, quokka]/200");
        reranking.termStats("docs", plan, 50);
        assertThat(asked.get()).endsWith("/50");

        asked.set(null);
        RerankPlan exact =
                new RerankPlan(
                        RerankMethod.EXACT, "x", 10, 200, "text", null, Fusion.RRF, 0.5f, null);
        assertThat(reranking.termStats("docs", exact, 1000)).isNull();
        assertThat(reranking.termStats("docs", RerankPlan.skip("not_requested"), 1000)).isNull();
        assertThat(
                        new Reranking(null, new QueryMetrics(), RerankSettings.defaults())
                                .termStats("docs", plan, 1000))
                .isNull();
        assertThat(asked.get()).isNull();
    }

    private static CompletableFuture<CorpusStats> done(CorpusStats stats) {
        return CompletableFuture.completedFuture(stats);
    }
}
