package io.quiver.shard;

import io.quiver.index.Metric;
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

    /** The exact score of {@code vector} (as written) for {@code query} in {@code metric}. */
    static float score(Metric metric, float[] query, float[] vector) {
        double dot = 0;
        double qq = 0;
        double vv = 0;
        double l2 = 0;
        for (int i = 0; i < query.length; i++) {
            double q = query[i];
            double v = vector[i];
            dot += q * v;
            qq += q * q;
            vv += v * v;
            l2 += (q - v) * (q - v);
        }
        switch (metric) {
            case L2:
                return (float) Math.sqrt(l2);
            case COSINE:
                return qq == 0 || vv == 0 ? 0f : (float) (dot / Math.sqrt(qq * vv));
            default:
                return (float) dot;
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
