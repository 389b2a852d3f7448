package io.quiver.query.rerank;

import io.quiver.query.search.Hit;
import java.util.Arrays;
import java.util.List;

/**
 * A search's hits after reranking (or not).
 *
 * @param hits every candidate, best first: the rescored top-N in reranker order, then the rest in
 *     vector order; in vector order alone when not reranked
 * @param rerankScores the reranker's score of each hit, aligned with {@code hits}; NaN for hits
 *     that were not rescored
 * @param reranked whether the order comes from the reranker
 * @param reason why not, one of {@code RerankPlan.REASON_*}; null when reranked, except {@link
 *     RerankPlan#REASON_CANDIDATE_IDF} for a {@code bm25} rerank without the collection's term
 *     statistics
 */
public record RerankResult(List<Hit> hits, float[] rerankScores, boolean reranked, String reason) {

    public RerankResult {
        hits = List.copyOf(hits);
        if (rerankScores.length != hits.size()) {
            throw new IllegalArgumentException(
                    rerankScores.length + " scores for " + hits.size() + " hits");
        }
    }

    /** {@code hits} in vector order, not reranked, because of {@code reason}. */
    public static RerankResult vectorOrder(List<Hit> hits, String reason) {
        float[] none = new float[hits.size()];
        Arrays.fill(none, Float.NaN);
        return new RerankResult(hits, none, false, reason);
    }
}
