package io.quiver.query.rerank;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A bounded frequency sketch of recent (collection, query text) pairs reranked by an external
 * reranker, with the plan and candidates each was last reranked with, so the warm-up can score them
 * again before their cached scores expire.
 *
 * <p>Space-Saving (Metwally et al.): at most {@code capacity} pairs are counted; a new pair when
 * full replaces the least counted one and inherits its count plus one, so every pair seen more
 * often than {@code total / capacity} times is kept. {@link #decay()} halves every count, so what
 * counts is recent frequency. Memory is bounded by {@code capacity} times one plan's candidates (at
 * most {@code top_n} texts).
 *
 * <p>Thread-safe: searches record, the warm-up reads; both hold the lock for O(1) work except a
 * replacement when full, which scans the {@code capacity} pairs.
 */
final class RecentQueries {

    /** Pairs counted: far more than the few the warm-up refreshes, so the top few are right. */
    static final int DEFAULT_CAPACITY = 256;

    record Key(String collection, String queryText) {}

    /** One counted pair and what it was last reranked with. */
    static final class Entry {
        final Key key;
        long count;
        RerankPlan plan;
        List<RerankCandidate> candidates;

        Entry(Key key) {
            this.key = key;
        }
    }

    private final int capacity;
    private final Map<Key, Entry> entries = new HashMap<>();

    RecentQueries(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Counts one rerank of {@code plan}'s query text over {@code candidates} in a collection. */
    synchronized void record(String collection, RerankPlan plan, List<RerankCandidate> candidates) {
        Key key = new Key(collection, plan.queryText());
        Entry e = entries.get(key);
        if (e == null) {
            long inherited = 0;
            if (entries.size() >= capacity) {
                Entry least = null;
                for (Entry other : entries.values()) {
                    if (least == null || other.count < least.count) {
                        least = other;
                    }
                }
                entries.remove(least.key);
                inherited = least.count;
            }
            e = new Entry(key);
            e.count = inherited;
            entries.put(key, e);
        }
        e.count++;
        e.plan = plan;
        e.candidates = candidates;
    }

    /** Up to {@code n} pairs, most frequent first (copies: safe to use without the lock). */
    synchronized List<Entry> top(int n) {
        List<Entry> all = new ArrayList<>(entries.values());
        all.sort((a, b) -> Long.compare(b.count, a.count));
        List<Entry> top = new ArrayList<>(Math.min(n, all.size()));
        for (int i = 0; i < n && i < all.size(); i++) {
            Entry e = all.get(i);
            Entry copy = new Entry(e.key);
            copy.count = e.count;
            copy.plan = e.plan;
            copy.candidates = e.candidates;
            top.add(copy);
        }
        return top;
    }

    /** Halves every count and forgets pairs that reach zero: old popularity fades. */
    synchronized void decay() {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            e.count >>= 1;
            if (e.count == 0) {
                it.remove();
            }
        }
    }

    synchronized int size() {
        return entries.size();
    }
}
