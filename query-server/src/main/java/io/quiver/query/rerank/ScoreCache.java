package io.quiver.query.rerank;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.URI;
import java.time.Duration;

/**
 * Recent external reranker scores of (query text, document) pairs, so a recurring query does not
 * send the same candidates to the cross-encoder again. A cross-encoder scores each pair on its own
 * (the score does not depend on the other texts of the call), so scores from different calls can be
 * mixed.
 *
 * <p>The key is the reranker's URL, the query text, the point id and a hash of the text sent: a
 * point whose text changed misses the cache rather than reusing a stale score (a hash collision
 * between two versions of one point's text is possible but needs the same length and 32-bit hash).
 * Bounded by entry count (W-TinyLFU, Caffeine), each entry expiring a while after it was written.
 * Thread-safe.
 */
final class ScoreCache {

    /** Entries kept: at ~150 bytes of key per entry, about 15 MB for common query lengths. */
    static final int DEFAULT_MAX_ENTRIES = 100_000;

    /** Long enough for bursts of one query, short enough that a model update shows soon. */
    static final Duration DEFAULT_TTL = Duration.ofMinutes(10);

    private record Key(URI uri, String queryText, String id, int textHash, int textLength) {}

    private final Cache<Key, Float> cache;

    ScoreCache(int maxEntries, Duration ttl) {
        this.cache = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl).build();
    }

    /** The cached score of {@code candidate} for {@code queryText} at {@code uri}, or NaN. */
    float get(URI uri, String queryText, RerankCandidate candidate) {
        Float score = cache.getIfPresent(key(uri, queryText, candidate));
        return score == null ? Float.NaN : score;
    }

    /** Remembers a finite score; others (a candidate the reranker left out) are not cached. */
    void put(URI uri, String queryText, RerankCandidate candidate, float score) {
        if (Float.isFinite(score)) {
            cache.put(key(uri, queryText, candidate), score);
        }
    }

    private static Key key(URI uri, String queryText, RerankCandidate c) {
        return new Key(uri, queryText, c.id(), c.text().hashCode(), c.text().length());
    }
}
