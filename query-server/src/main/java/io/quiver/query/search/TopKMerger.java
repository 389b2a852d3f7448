package io.quiver.query.search;

import io.quiver.schemas.rpc.ShardResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Merges the shards' top-k lists into the global top-k.
 *
 * <p>Order: by score, ascending when lower is better (l2) and descending otherwise (cosine, dot);
 * equal scores are ordered by id so that the same data always gives the same answer. An id that
 * appears on two shards (possible for a moment while a shard moves) is kept once, with its better
 * score. A bounded heap keeps the merge at O(n log k) for n hits in total.
 */
public final class TopKMerger {

    private final boolean higherIsBetter;
    private final Comparator<Hit> better;

    /**
     * @param higherIsBetter true for cosine and dot, false for l2
     */
    public TopKMerger(boolean higherIsBetter) {
        this.higherIsBetter = higherIsBetter;
        Comparator<Hit> byScore = Comparator.comparingDouble(Hit::score);
        if (higherIsBetter) {
            byScore = byScore.reversed();
        }
        this.better = byScore.thenComparing(Hit::id);
    }

    /** The best {@code k} hits of all OK results, best first. */
    public List<Hit> merge(List<ShardResult> results, int k, Float scoreThreshold) {
        Map<String, Hit> bestById = new HashMap<>();
        for (ShardResult r : results) {
            for (int i = 0; i < r.size(); i++) {
                Hit h =
                        new Hit(
                                r.ids()[i],
                                r.scores()[i],
                                r.payloads()[i],
                                r.shard(),
                                r.vectors() == null ? null : r.vectors()[i]);
                if (Float.isNaN(h.score()) || !passes(h, scoreThreshold)) {
                    continue;
                }
                bestById.merge(h.id(), h, (a, b) -> better.compare(a, b) <= 0 ? a : b);
            }
        }
        // Max-heap on "worse first", so the root is the worst of the best k kept so far.
        PriorityQueue<Hit> heap = new PriorityQueue<>(Math.max(1, k), better.reversed());
        for (Hit h : bestById.values()) {
            if (heap.size() < k) {
                heap.add(h);
            } else if (better.compare(h, heap.peek()) < 0) {
                heap.poll();
                heap.add(h);
            }
        }
        List<Hit> out = new ArrayList<>(heap);
        out.sort(better);
        return out;
    }

    /** Whether {@code h} is at least as good as the threshold (Qdrant's score_threshold). */
    private boolean passes(Hit h, Float threshold) {
        if (threshold == null) {
            return true;
        }
        return higherIsBetter ? h.score() >= threshold : h.score() <= threshold;
    }
}
