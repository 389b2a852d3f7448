package io.quiver.query.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.search.Hit;
import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import io.quiver.query.search.Searcher;
import io.quiver.schemas.avro.CollectionSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link Searcher} in front of the fan-out that answers repeated searches from a short-lived
 * result cache and lets identical searches in flight share one fan-out (DESIGN.md decision 9).
 *
 * <ul>
 *   <li><b>Coalescing</b>, for every consistency level: a search identical to one still running
 *       (same collection, vector, parameters and required offsets; see {@link SearchKey}) waits for
 *       that one's outcome instead of fanning out again. Sharing is safe for session and strong
 *       reads because the required offsets are part of the key. The first search's timeout decides
 *       for all of them.
 *   <li><b>Caching</b>, for searches without required offsets ({@code eventual}): complete outcomes
 *       (no missing shard) are kept for {@code ttl}, in a Caffeine cache bounded by weight
 *       (approximate bytes of the hits) with its W-TinyLFU admission, so one-off queries do not
 *       push out popular ones. Session and strong searches always go to the shards: a cached answer
 *       could predate the writes they must see. Within the TTL an eventual search may miss writes
 *       made after the cached answer; that is what {@code eventual} allows.
 *   <li><b>Batches</b> ({@link #searchBatch}): each search is looked up in the cache; the others go
 *       to the shards together, as one batch, and are not coalesced with single searches in flight.
 * </ul>
 */
public final class CachingSearcher implements Searcher {

    /** Short enough that an eventual search lags at most this much behind a fresh one. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(1);

    /** 64 MiB: tens of thousands of typical answers. */
    public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

    private final Searcher delegate;
    private final QueryMetrics metrics;
    private final Cache<SearchKey, SearchOutcome> cache;
    private final Map<SearchKey, CompletableFuture<SearchOutcome>> inFlight =
            new ConcurrentHashMap<>();

    /**
     * @param ttl how long a complete answer is reused; zero disables caching (coalescing stays)
     * @param maxBytes the cache's bound, in approximate bytes of keys and hits
     */
    public CachingSearcher(Searcher delegate, QueryMetrics metrics, Duration ttl, long maxBytes) {
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("cache TTL must be >= 0, got " + ttl);
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("cache size must be >= 0 bytes, got " + maxBytes);
        }
        this.delegate = delegate;
        this.metrics = metrics;
        this.cache =
                ttl.isZero() || maxBytes == 0
                        ? null
                        : Caffeine.newBuilder()
                                .expireAfterWrite(ttl)
                                .maximumWeight(maxBytes)
                                .weigher(CachingSearcher::weigh)
                                .build();
    }

    @Override
    public CompletableFuture<SearchOutcome> search(CollectionSpec spec, SearchQuery query) {
        SearchKey key = new SearchKey(spec, query);
        boolean cacheable = cache != null && query.requiredOffsets().isEmpty();
        if (cacheable) {
            SearchOutcome hit = cache.getIfPresent(key);
            metrics.cacheLookup(hit != null);
            if (hit != null) {
                return CompletableFuture.completedFuture(hit);
            }
        }
        CompletableFuture<SearchOutcome> mine = new CompletableFuture<>();
        CompletableFuture<SearchOutcome> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            metrics.coalesced();
            return running;
        }
        CompletableFuture<SearchOutcome> started;
        try {
            started = delegate.search(spec, query);
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        started.whenComplete(
                (outcome, failure) -> {
                    if (outcome != null) {
                        if (outcome.partial()) {
                            metrics.partialAnswer();
                        } else if (cacheable) {
                            cache.put(key, outcome);
                        }
                    }
                    // Removed before completing, so a search arriving after the answer is a
                    // cache hit or a fresh fan-out, never a waiter on a finished future.
                    inFlight.remove(key, mine);
                    if (failure != null) {
                        mine.completeExceptionally(failure);
                    } else {
                        mine.complete(outcome);
                    }
                });
        return mine;
    }

    @Override
    public CompletableFuture<List<SearchOutcome>> searchBatch(
            CollectionSpec spec, List<SearchQuery> queries) {
        SearchOutcome[] outcomes = new SearchOutcome[queries.size()];
        List<Integer> asked = new ArrayList<>();
        List<SearchQuery> toAsk = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            SearchQuery q = queries.get(i);
            if (cache != null && q.requiredOffsets().isEmpty()) {
                SearchOutcome hit = cache.getIfPresent(new SearchKey(spec, q));
                metrics.cacheLookup(hit != null);
                if (hit != null) {
                    outcomes[i] = hit;
                    continue;
                }
            }
            asked.add(i);
            toAsk.add(q);
        }
        if (toAsk.isEmpty()) {
            return CompletableFuture.completedFuture(List.of(outcomes));
        }
        CompletableFuture<List<SearchOutcome>> started;
        try {
            started = delegate.searchBatch(spec, toAsk);
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        return started.thenApply(
                answered -> {
                    for (int j = 0; j < answered.size(); j++) {
                        SearchQuery q = toAsk.get(j);
                        SearchOutcome outcome = answered.get(j);
                        if (outcome.partial()) {
                            metrics.partialAnswer();
                        } else if (cache != null && q.requiredOffsets().isEmpty()) {
                            cache.put(new SearchKey(spec, q), outcome);
                        }
                        outcomes[asked.get(j)] = outcome;
                    }
                    return List.of(outcomes);
                });
    }

    /** Entries in the cache now, for tests and metrics. */
    public long cachedEntries() {
        if (cache == null) {
            return 0;
        }
        cache.cleanUp();
        return cache.estimatedSize();
    }

    private static int weigh(SearchKey key, SearchOutcome outcome) {
        long bytes = key.bytes() + 64;
        for (Hit h : outcome.hits()) {
            bytes += 64 + 2L * h.id().length();
            bytes += h.payload() == null ? 0 : h.payload().length;
            bytes += h.vector() == null ? 0 : 4L * h.vector().length;
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }
}
