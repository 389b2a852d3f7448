package io.quiver.query.rerank;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Objects;

/**
 * Server-wide settings of {@link Reranking}: the score cache, the circuit breakers of external
 * rerankers and the background warm-up of the cache. Start from {@link #defaults()}; the {@code
 * with*} methods validate and name the bad value.
 *
 * @param cacheMaxEntries score cache bound, in (query text, document) pairs; 0 disables the cache
 *     (and with it the warm-up)
 * @param cacheTtl how long a cached score is used after it was written
 * @param breakerFailureRatePercent share of failed or timed-out calls, among an endpoint's last
 *     {@value Reranking#BREAKER_WINDOW}, that opens its breaker
 * @param breakerOpenDuration how long an open breaker refuses calls before it lets probes through
 * @param warmupQueries how many of the most frequent recent query texts the warm-up keeps fresh; 0
 *     turns it off
 * @param ticker the clock of the score cache and the warm-up (tests substitute their own)
 */
public record RerankSettings(
        int cacheMaxEntries,
        Duration cacheTtl,
        float breakerFailureRatePercent,
        Duration breakerOpenDuration,
        int warmupQueries,
        Ticker ticker) {

    /** Entries kept: at ~150 bytes of key per entry, about 15 MB for common query lengths. */
    public static final int DEFAULT_CACHE_MAX_ENTRIES = 100_000;

    /** Long enough for bursts of one query, short enough that a model update shows soon. */
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofMinutes(10);

    /** Half the recent calls failing is past a bad moment: stop calling for a while. */
    public static final float DEFAULT_BREAKER_FAILURE_RATE_PERCENT = 50f;

    /** How long a tripped breaker stays open before probing. */
    public static final Duration DEFAULT_BREAKER_OPEN_DURATION = Duration.ofSeconds(10);

    /** A handful: each one costs a reranker call per TTL while it stays frequent. */
    public static final int DEFAULT_WARMUP_QUERIES = 5;

    /** Most query texts the warm-up may keep fresh. */
    public static final int MAX_WARMUP_QUERIES = 100;

    public RerankSettings {
        if (cacheMaxEntries < 0) {
            throw new IllegalArgumentException(
                    "rerank cache size must be >= 0 entries, got " + cacheMaxEntries);
        }
        Objects.requireNonNull(cacheTtl, "cacheTtl");
        if (cacheTtl.compareTo(Duration.ofSeconds(1)) < 0
                || cacheTtl.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException(
                    "rerank cache TTL must be 1000-86400000 ms, got " + cacheTtl.toMillis());
        }
        if (!(breakerFailureRatePercent > 0f && breakerFailureRatePercent <= 100f)) {
            throw new IllegalArgumentException(
                    "rerank breaker failure rate must be in (0, 100] percent, got "
                            + breakerFailureRatePercent);
        }
        Objects.requireNonNull(breakerOpenDuration, "breakerOpenDuration");
        if (breakerOpenDuration.compareTo(Duration.ofMillis(100)) < 0
                || breakerOpenDuration.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException(
                    "rerank breaker open duration must be 100-3600000 ms, got "
                            + breakerOpenDuration.toMillis());
        }
        if (warmupQueries < 0 || warmupQueries > MAX_WARMUP_QUERIES) {
            throw new IllegalArgumentException(
                    "rerank warm-up queries must be 0-"
                            + MAX_WARMUP_QUERIES
                            + ", got "
                            + warmupQueries);
        }
        Objects.requireNonNull(ticker, "ticker");
    }

    /** Every default. */
    public static RerankSettings defaults() {
        return new RerankSettings(
                DEFAULT_CACHE_MAX_ENTRIES,
                DEFAULT_CACHE_TTL,
                DEFAULT_BREAKER_FAILURE_RATE_PERCENT,
                DEFAULT_BREAKER_OPEN_DURATION,
                DEFAULT_WARMUP_QUERIES,
                Ticker.systemTicker());
    }

    public RerankSettings withCacheMaxEntries(int entries) {
        return new RerankSettings(
                entries,
                cacheTtl,
                breakerFailureRatePercent,
                breakerOpenDuration,
                warmupQueries,
                ticker);
    }

    public RerankSettings withCacheTtl(Duration ttl) {
        return new RerankSettings(
                cacheMaxEntries,
                ttl,
                breakerFailureRatePercent,
                breakerOpenDuration,
                warmupQueries,
                ticker);
    }

    public RerankSettings withBreakerFailureRatePercent(float percent) {
        return new RerankSettings(
                cacheMaxEntries, cacheTtl, percent, breakerOpenDuration, warmupQueries, ticker);
    }

    public RerankSettings withBreakerOpenDuration(Duration open) {
        return new RerankSettings(
                cacheMaxEntries, cacheTtl, breakerFailureRatePercent, open, warmupQueries, ticker);
    }

    public RerankSettings withWarmupQueries(int queries) {
        return new RerankSettings(
                cacheMaxEntries,
                cacheTtl,
                breakerFailureRatePercent,
                breakerOpenDuration,
                queries,
                ticker);
    }

    RerankSettings withTicker(Ticker ticker) {
        return new RerankSettings(
                cacheMaxEntries,
                cacheTtl,
                breakerFailureRatePercent,
                breakerOpenDuration,
                warmupQueries,
                ticker);
    }

    /**
     * Cache entries this close to expiry are refreshed by the warm-up: a fifth of the TTL, so that
     * a warm-up round every tenth of the TTL reaches each one at least once before it expires.
     */
    Duration refreshAhead() {
        return cacheTtl.dividedBy(5);
    }

    /** How often the warm-up looks for entries near expiry. */
    Duration warmupInterval() {
        return cacheTtl.dividedBy(10);
    }
}
