package io.quiver.query.rerank;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.search.Hit;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Bm25RerankerTest {

    private static final long SEED = 20261125L;
    private static final String[] COMMON = {
        "the", "river", "stone", "green", "morning", "house", "light", "road", "small", "open",
        "water", "field", "quiet", "north", "window", "bread"
    };
    private static final int CORPUS = 40;
    private static final int RARE_AT = 23;

    private final Reranking reranking =
            new Reranking(null, new QueryMetrics(), Reranking.DEFAULT_OPEN_DURATION);

    /**
     * 40 documents of 15–40 common words each, every one containing "the"; document 23 (vector rank
     * 24) also holds "quokka" once. Vector scores fall from 1.0 by 0.01 per rank.
     */
    private static List<Hit> corpus() {
        Random random = new Random(SEED);
        List<Hit> hits = new ArrayList<>();
        for (int i = 0; i < CORPUS; i++) {
            StringBuilder text = new StringBuilder("the");
            int words = 15 + random.nextInt(26);
            for (int w = 0; w < words; w++) {
                text.append(' ').append(COMMON[random.nextInt(COMMON.length)]);
            }
            if (i == RARE_AT) {
                text.append(" quokka");
            }
            String payload = "{\"text\":\"" + text + "\"}";
            hits.add(
                    new Hit(
                            "doc-" + i,
                            1f - 0.01f * i,
                            payload.getBytes(StandardCharsets.UTF_8),
                            i % 4));
        }
        return hits;
    }

    private static RerankPlan plan(String text, Fusion fusion, float weight) {
        return new RerankPlan(
                RerankMethod.BM25, text, CORPUS, 1_000, "text", null, fusion, weight, null);
    }

    private RerankResult rerank(String text, Fusion fusion, float weight) {
        return reranking.rerank(plan(text, fusion, weight), corpus()).join();
    }

    @Test
    void rareQueryTermScoresHighestAmongCandidates() {
        List<RerankCandidate> candidates = new ArrayList<>();
        for (Hit h : corpus()) {
            candidates.add(new RerankCandidate(h.id(), h.score(), Reranking.text(h, "text")));
        }
        double[] scores = Bm25Reranker.bm25("The QUOKKA?", candidates);
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            best = scores[i] > scores[best] ? i : best;
        }
        assertThat(best).as("seed %d", SEED).isEqualTo(RARE_AT);
        // "the" is in every document: nearly no weight, but still positive.
        assertThat(scores[0]).isPositive().isLessThan(scores[RARE_AT] / 50);
    }

    @Test
    void weightedFusionRanksTheRareTermDocumentFirst() {
        RerankResult r = rerank("the quokka", Fusion.WEIGHTED, 0.5f);
        assertThat(r.reranked()).isTrue();
        assertThat(r.hits().get(0).id()).as("seed %d", SEED).isEqualTo("doc-" + RARE_AT);
        assertThat(r.hits()).hasSize(CORPUS);
    }

    @Test
    void reciprocalRankFusionRanksTheRareTermDocumentFirst() {
        RerankResult r = rerank("quokka", Fusion.RRF, Fusion.DEFAULT_WEIGHT);
        assertThat(r.hits().get(0).id()).as("seed %d", SEED).isEqualTo("doc-" + RARE_AT);
        // Without a lexical match the vector order is kept.
        assertThat(r.hits().get(1).id()).isEqualTo("doc-0");
        assertThat(r.hits().get(2).id()).isEqualTo("doc-1");
    }

    @Test
    void weightZeroKeepsTheVectorOrder() {
        RerankResult r = rerank("the quokka", Fusion.WEIGHTED, 0f);
        for (int i = 0; i < CORPUS; i++) {
            assertThat(r.hits().get(i).id()).isEqualTo("doc-" + i);
        }
    }

    @Test
    void weightedFusionWorksForL2ScoresWhereLowerIsBetter() {
        List<Hit> hits =
                List.of(
                        new Hit("near", 0.1f, "{\"text\":\"plain words\"}".getBytes(), 0),
                        new Hit("mid", 0.5f, "{\"text\":\"quokka here\"}".getBytes(), 0),
                        new Hit("far", 2.0f, "{\"text\":\"other words\"}".getBytes(), 0));
        RerankResult r = reranking.rerank(plan("quokka", Fusion.WEIGHTED, 0.5f), hits).join();
        assertThat(r.hits()).extracting(Hit::id).containsExactly("mid", "near", "far");
    }

    @Test
    void missingTextsScoreZeroWithoutFailing() {
        List<Hit> hits =
                List.of(
                        new Hit("a", 0.9f, null, 0),
                        new Hit("b", 0.8f, "not json".getBytes(), 0),
                        new Hit("c", 0.7f, "{\"text\":42}".getBytes(), 0));
        RerankResult r = reranking.rerank(plan("42", Fusion.RRF, 0.5f), hits).join();
        assertThat(r.reranked()).isTrue();
        assertThat(r.hits()).extracting(Hit::id).containsExactly("c", "a", "b");
    }
}
