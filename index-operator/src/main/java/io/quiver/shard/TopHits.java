package io.quiver.shard;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import java.util.Comparator;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The best {@code k} hits offered, best first, ties by id; with dedupe one per id (the first
 * offered). For a shard's exact and merged searches.
 */
final class TopHits {
    private final PriorityQueue<Scored> top;
    private final Set<String> seen;
    private final int k;
    private final boolean higherIsBetter;

    /**
     * @param dedupe whether the same id may be offered twice (only the first counts)
     */
    TopHits(Metric metric, int k, boolean dedupe) {
        this.k = k;
        this.higherIsBetter = metric.higherIsBetter();
        this.seen = dedupe ? new HashSet<>() : null;
        // Worst kept hit at the head, so a better one replaces it in O(log k).
        Comparator<Scored> better =
                metric.higherIsBetter()
                        ? Comparator.comparingDouble(Scored::score)
                        : Comparator.comparingDouble((Scored h) -> -h.score());
        top =
                new PriorityQueue<>(
                        k + 1, better.thenComparing(Scored::id, Comparator.reverseOrder()));
    }

    void add(String id, float score) {
        // Most hits offered to a full top lose to its worst: decided without allocating.
        if (top.size() >= k) {
            Scored worst = top.peek();
            if (worst == null || !beats(score, id, worst)) {
                return; // k is 0, or the hit loses
            }
        }
        if (seen != null && !seen.add(id)) {
            return;
        }
        top.add(new Scored(id, score));
        if (top.size() > k) {
            top.poll();
        }
    }

    /** Whether a hit ranks before {@code kept} in the order the queue keeps (ties by id). */
    private boolean beats(float score, String id, Scored kept) {
        int c =
                higherIsBetter
                        ? Double.compare(score, kept.score())
                        : Double.compare(kept.score(), score);
        return c > 0 || (c == 0 && id.compareTo(kept.id()) < 0);
    }

    SearchHits hits() {
        String[] ids = new String[top.size()];
        float[] scores = new float[top.size()];
        for (int i = ids.length - 1; i >= 0; i--) {
            Scored h = top.poll();
            ids[i] = h.id();
            scores[i] = h.score();
        }
        return new SearchHits(ids, scores);
    }

    private record Scored(String id, float score) {}
}
