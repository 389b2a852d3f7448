package io.quiver.query.rerank;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Recent external reranker scores of (query text, document) pairs, so a recurring query does not
 * send the same candidates to the cross-encoder again. A cross-encoder scores each pair on its own
 * (the score does not depend on the other texts of the call), so scores from different calls can be
 * mixed.
 *
 * <p>The key is the reranker's URL, the query text, the point id and a hash of the text sent: a
 * point whose text changed misses the cache rather than reusing a stale score (a hash collision
 * between two versions of one point's text is possible but needs the same length and 32-bit hash).
 * Bounded by entry count (W-TinyLFU, Caffeine), each entry expiring a while after it was written
 * (both set by {@link RerankSettings}). Thread-safe.
 */
final class ScoreCache {

    private record Key(URI uri, String queryText, String id, int textHash, int textLength) {}

    private final Cache<Key, Float> cache;
    private final Duration ttl;

    ScoreCache(int maxEntries, Duration ttl, Ticker ticker) {
        this.ttl = ttl;
        this.cache =
                Caffeine.newBuilder()
                        .maximumSize(maxEntries)
                        .expireAfterWrite(ttl)
                        .ticker(ticker)
                        .build();
    }

    /**
     * Whether every candidate has a cached score that stays valid for at least {@code ahead} more.
     */
    boolean fresh(URI uri, String queryText, List<RerankCandidate> candidates, Duration ahead) {
        Optional<Policy.FixedExpiration<Key, Float>> expiry = cache.policy().expireAfterWrite();
        if (expiry.isEmpty()) {
            return false;
        }
        Duration oldest = ttl.minus(ahead);
        for (RerankCandidate c : candidates) {
            Optional<Duration> age = expiry.get().ageOf(key(uri, queryText, c));
            if (age.isEmpty() || age.get().compareTo(oldest) >= 0) {
                return false;
            }
        }
        return true;
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
