package io.quiver.shard;

import io.quiver.index.Metric;
import io.quiver.index.vector.VectorKernels;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Rescores a shard's hits with the float32 vectors as written, for searches that ask for exact
 * scores ({@code SearchRequest#exactScores()}): an int8 index ranks by quantized distances, and
 * this gives the candidates the scores a float32 index would, in the same user-facing units ({@link
 * Metric#score}: Euclidean distance, cosine similarity, dot product).
 */
final class ExactScores {

    private ExactScores() {}

    private static final VectorKernels KERNELS = VectorKernels.get();

    /**
     * The score of {@code vector} (as written) for {@code query} in {@code metric}, computed in
     * float32 with the same kernels as a float32 index's distances, so it agrees with that index's
     * score of the same pair up to float rounding.
     */
    static float score(Metric metric, float[] query, float[] vector) {
        return score(metric, query, selfDot(metric, query), vector);
    }

    /**
     * What {@link #score(Metric, float[], float, float[])} needs of the query alone, computed once
     * for a scan over many vectors: its dot product with itself for cosine, else nothing (0).
     */
    static float selfDot(Metric metric, float[] query) {
        return metric == Metric.COSINE ? KERNELS.dot(query, 0, query, 0, query.length) : 0f;
    }

    /** {@link #score(Metric, float[], float[])} with the query's {@link #selfDot} given. */
    static float score(Metric metric, float[] query, float querySelfDot, float[] vector) {
        int n = query.length;
        switch (metric) {
            case L2:
                return (float) Math.sqrt(KERNELS.squareDistance(query, 0, vector, 0, n));
            case COSINE:
                float qq = querySelfDot;
                float vv = KERNELS.dot(vector, 0, vector, 0, n);
                return qq == 0 || vv == 0
                        ? 0f
                        : (float)
                                (KERNELS.dot(query, 0, vector, 0, n) / Math.sqrt((double) qq * vv));
            default:
                return KERNELS.dot(query, 0, vector, 0, n);
        }
    }

    /**
     * The order of hits by exact score, best first (ties by id); hits without a vector (deleted
     * since the search) go last.
     */
    static Integer[] order(Metric metric, String[] ids, float[] scores, boolean[] missing) {
        Integer[] order = new Integer[ids.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Comparator<Integer> byScore =
                metric.higherIsBetter()
                        ? Comparator.comparingDouble((Integer i) -> -scores[i])
                        : Comparator.comparingDouble((Integer i) -> scores[i]);
        Arrays.sort(
                order,
                Comparator.comparing((Integer i) -> missing[i])
                        .thenComparing(byScore)
                        .thenComparing(i -> ids[i]));
        return order;
    }
}
