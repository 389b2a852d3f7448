package io.quiver.query.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The query server's metrics, in one Prometheus registry scraped at {@code GET /metrics}:
 *
 * <ul>
 *   <li>{@code quiver_http_requests_seconds} (histogram; {@code _count} is the request count): tags
 *       {@code endpoint} (the route pattern, e.g. {@code /collections/{name}/points/search}),
 *       {@code method}, {@code status};
 *   <li>{@code quiver_search_cache_requests_total}, tag {@code result} = {@code hit}|{@code miss},
 *       and the gauge {@code quiver_search_cache_hit_ratio} over the server's lifetime;
 *   <li>{@code quiver_search_coalesced_total}: searches answered by an identical one in flight;
 *   <li>{@code quiver_search_partial_total}: fan-outs that answered without some shards;
 *   <li>{@code quiver_shard_rpc_seconds} (histogram): tags {@code type} = {@code search}|{@code
 *       search_batch}|{@code get}|{@code count}|{@code term_stats} and {@code outcome} = {@code
 *       ok}|{@code timeout}|{@code connection}|{@code circuit_open}|{@code error}; errors are the
 *       non-ok outcomes;
 *   <li>{@code quiver_shard_circuit_open} (gauge), tag {@code endpoint}: 1 while the circuit
 *       breaker of that shard server is open (its shards answered as missing at once), else 0;
 *   <li>{@code quiver_shard_circuit_rejected_total}: shard RPCs not sent because the breaker was
 *       open;
 *   <li>{@code quiver_rerank_total}: searches that asked a reranker, tags {@code method} = {@code
 *       exact}|{@code bm25}|{@code http} and {@code outcome} = {@code ok}|{@code timeout}|{@code
 *       error}|{@code circuit_open}|{@code candidate_idf}; every other non-ok outcome answered in
 *       vector order ({@code candidate_idf}: bm25 reranked with the candidates' own IDF because
 *       some shard's term statistics were missing);
 *   <li>{@code quiver_rerank_cache_requests_total}, tag {@code result} = {@code hit}|{@code miss}:
 *       external reranker scores found in (or missing from) the score cache, per candidate;
 *   <li>{@code quiver_auth_rejections_total}: requests refused by access control, tags {@code key}
 *       (the API key's name; {@code none} without a key, {@code unknown} for a key the server does
 *       not know) and {@code reason} = {@code unauthenticated}|{@code forbidden}|{@code
 *       rate_limited}.
 * </ul>
 *
 * Thread-safe.
 */
public final class QueryMetrics {

    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter coalesced;
    private final Counter partial;
    private final Counter circuitRejected;

    /**
     * The timers by their tags, so a request records into its timer without building and looking up
     * a meter id each time. Endpoints are route patterns and methods a fixed set, so both stay
     * small.
     */
    private final Map<RequestKey, Timer> requestTimers = new ConcurrentHashMap<>();

    private final Map<String, Timer> rpcTimers = new ConcurrentHashMap<>();

    private record RequestKey(String endpoint, String method, int status) {}

    private final ConcurrentMap<String, AtomicInteger> circuitOpen = new ConcurrentHashMap<>();

    public QueryMetrics() {
        cacheHits = cacheCounter("hit");
        cacheMisses = cacheCounter("miss");
        coalesced =
                Counter.builder("quiver.search.coalesced")
                        .description("Searches answered by an identical search in flight")
                        .register(registry);
        partial =
                Counter.builder("quiver.search.partial")
                        .description("Fan-outs that answered without some shards")
                        .register(registry);
        circuitRejected =
                Counter.builder("quiver.shard.circuit.rejected")
                        .description("Shard RPCs not sent because the server's breaker was open")
                        .register(registry);
        registry.gauge(
                "quiver.search.cache.hit.ratio",
                this,
                m -> {
                    double all = m.cacheHits.count() + m.cacheMisses.count();
                    return all == 0 ? 0 : m.cacheHits.count() / all;
                });
    }

    private Counter cacheCounter(String result) {
        return Counter.builder("quiver.search.cache.requests")
                .description("Result cache lookups of eventual searches")
                .tag("result", result)
                .register(registry);
    }

    /** One HTTP request answered with {@code status} after {@code nanos}. */
    public void request(String endpoint, String method, int status, long nanos) {
        requestTimers
                .computeIfAbsent(
                        new RequestKey(endpoint, method, status),
                        key ->
                                Timer.builder("quiver.http.requests")
                                        .description("HTTP requests by endpoint, method and status")
                                        .tags(
                                                "endpoint",
                                                key.endpoint(),
                                                "method",
                                                key.method(),
                                                "status",
                                                Integer.toString(key.status()))
                                        .publishPercentileHistogram()
                                        .maximumExpectedValue(Duration.ofSeconds(60))
                                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One shard RPC of {@code type} that ended with {@code outcome} after {@code nanos}. */
    public void shardRpc(String type, String outcome, long nanos) {
        rpcTimers
                .computeIfAbsent(
                        type + '\n' + outcome,
                        key ->
                                Timer.builder("quiver.shard.rpc")
                                        .description("Shard RPCs by type and outcome")
                                        .tags("type", type, "outcome", outcome)
                                        .publishPercentileHistogram()
                                        .maximumExpectedValue(Duration.ofSeconds(60))
                                        .register(registry))
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The circuit breaker of shard server {@code endpoint} is now open (or not). */
    public void shardCircuitOpen(String endpoint, boolean open) {
        circuitOpen
                .computeIfAbsent(
                        endpoint,
                        e ->
                                registry.gauge(
                                        "quiver.shard.circuit.open",
                                        Tags.of("endpoint", e),
                                        new AtomicInteger()))
                .set(open ? 1 : 0);
    }

    /** One shard RPC refused by an open circuit breaker. */
    public void shardCircuitRejected() {
        circuitRejected.increment();
    }

    /** How many shard RPCs open breakers refused so far. */
    public double shardCircuitRejectedCount() {
        return circuitRejected.count();
    }

    /** One rerank attempt with {@code method} that ended with {@code outcome}. */
    public void rerank(String method, String outcome) {
        Counter.builder("quiver.rerank")
                .description("Rerank attempts by method and outcome")
                .tags("method", method, "outcome", outcome)
                .register(registry)
                .increment();
    }

    /** {@code hits} candidates' reranker scores came from the score cache, {@code misses} not. */
    public void rerankCache(int hits, int misses) {
        rerankCacheCounter("hit").increment(hits);
        rerankCacheCounter("miss").increment(misses);
    }

    private Counter rerankCacheCounter(String result) {
        return Counter.builder("quiver.rerank.cache.requests")
                .description("External reranker score cache lookups, per candidate")
                .tag("result", result)
                .register(registry);
    }

    /** How many candidates' reranker scores came from the score cache so far. */
    public double rerankCacheHitCount() {
        return rerankCacheCounter("hit").count();
    }

    /** How many rerank attempts with {@code method} ended with {@code outcome} so far. */
    public double rerankCount(String method, String outcome) {
        Counter c =
                registry.find("quiver.rerank").tags("method", method, "outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    /**
     * A request refused by access control; {@code keyName} is a configured key's name or a fixed
     * word, never what the client sent.
     */
    public void authRejected(String keyName, String reason) {
        Counter.builder("quiver.auth.rejections")
                .description("Requests refused by access control, by API key name and reason")
                .tags("key", keyName, "reason", reason)
                .register(registry)
                .increment();
    }

    /** How many requests with {@code keyName} were refused for {@code reason} so far. */
    public double authRejectedCount(String keyName, String reason) {
        Counter c =
                registry.find("quiver.auth.rejections")
                        .tags("key", keyName, "reason", reason)
                        .counter();
        return c == null ? 0 : c.count();
    }

    public void cacheLookup(boolean hit) {
        (hit ? cacheHits : cacheMisses).increment();
    }

    public void coalesced() {
        coalesced.increment();
    }

    public void partialAnswer() {
        partial.increment();
    }

    public double coalescedCount() {
        return coalesced.count();
    }

    public double cacheHitCount() {
        return cacheHits.count();
    }

    /** Every metric in the Prometheus text format. */
    public String scrape() {
        return registry.scrape();
    }
}
