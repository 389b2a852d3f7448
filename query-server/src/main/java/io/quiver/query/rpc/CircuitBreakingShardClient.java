package io.quiver.query.rpc;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.schemas.rpc.CountRequest;
import io.quiver.schemas.rpc.CountResponse;
import io.quiver.schemas.rpc.GetPointRequest;
import io.quiver.schemas.rpc.GetPointResponse;
import io.quiver.schemas.rpc.SearchBatchRequest;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.TermStatsRequest;
import io.quiver.schemas.rpc.TermStatsResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ShardClient} with one circuit breaker per shard server (TaskManager), so a stalled or
 * dead server costs one timeout per few calls instead of one per search.
 *
 * <p>When at least half of a server's last {@value #WINDOW} calls (and at least {@value
 * #MIN_CALLS}) timed out or could not connect, its breaker opens: for {@code openDuration} every
 * call to it fails at once with {@link ShardCircuitOpenException}, which the fan-out counts as
 * missing shards (a partial answer, or 503/504 where the caller needs every shard). Then {@value
 * #PROBES} calls go through as probes; when they succeed the breaker closes, when they fail it
 * opens again. Answers the server sends, whatever their per-shard status, count as successes: the
 * server is alive. A search that waits for offsets (session, strong) and times out is not counted,
 * since the wait rather than the server may be what took the time; nor is a term statistics request
 * that times out (it has the rerank's short timeout).
 *
 * <p>Thread-safe; state changes are logged at WARN/INFO and exported through {@link
 * QueryMetrics#shardCircuitOpen} and {@link QueryMetrics#shardCircuitRejected}.
 */
public final class CircuitBreakingShardClient implements ShardClient {

    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreakingShardClient.class);

    static final int WINDOW = 20;
    static final int MIN_CALLS = 5;
    static final int PROBES = 2;

    /** Long enough that a stalled server is not re-probed by every burst of searches. */
    public static final Duration DEFAULT_OPEN_DURATION = Duration.ofSeconds(5);

    private final ShardClient delegate;
    private final QueryMetrics metrics;
    private final CircuitBreakerConfig config;
    private final ConcurrentMap<ShardEndpoint, CircuitBreaker> breakers = new ConcurrentHashMap<>();

    /**
     * @param openDuration how long an open breaker refuses calls before letting probes through
     */
    public CircuitBreakingShardClient(
            ShardClient delegate, QueryMetrics metrics, Duration openDuration) {
        if (openDuration.isNegative() || openDuration.isZero()) {
            throw new IllegalArgumentException(
                    "circuit breaker open duration must be > 0, got " + openDuration);
        }
        this.delegate = delegate;
        this.metrics = metrics;
        this.config =
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(WINDOW)
                        .minimumNumberOfCalls(MIN_CALLS)
                        .failureRateThreshold(50f)
                        .waitDurationInOpenState(openDuration)
                        .permittedNumberOfCallsInHalfOpenState(PROBES)
                        .recordException(
                                t ->
                                        t instanceof ShardTimeoutException
                                                || t instanceof ShardConnectionException)
                        .build();
    }

    @Override
    public CompletableFuture<SearchResponse> search(
            ShardEndpoint endpoint, SearchRequest request, long timeoutMs) {
        boolean waits = request.requiredPartitions().length > 0;
        return guarded(endpoint, waits, () -> delegate.search(endpoint, request, timeoutMs));
    }

    @Override
    public CompletableFuture<SearchBatchResponse> searchBatch(
            ShardEndpoint endpoint, SearchBatchRequest request, long timeoutMs) {
        boolean waits = false;
        for (SearchRequest r : request.searches()) {
            waits |= r.requiredPartitions().length > 0;
        }
        boolean waitsForOffsets = waits;
        return guarded(
                endpoint,
                waitsForOffsets,
                () -> delegate.searchBatch(endpoint, request, timeoutMs));
    }

    @Override
    public CompletableFuture<GetPointResponse> get(
            ShardEndpoint endpoint, GetPointRequest request, long timeoutMs) {
        return guarded(endpoint, false, () -> delegate.get(endpoint, request, timeoutMs));
    }

    @Override
    public CompletableFuture<CountResponse> count(
            ShardEndpoint endpoint, CountRequest request, long timeoutMs) {
        return guarded(endpoint, false, () -> delegate.count(endpoint, request, timeoutMs));
    }

    @Override
    public CompletableFuture<TermStatsResponse> termStats(
            ShardEndpoint endpoint, TermStatsRequest request, long timeoutMs) {
        // Its timeout is the rerank's (200 ms by default), far shorter than a search's: a server
        // slow to answer it is not failing, so its timeouts must not open the breaker searches use.
        return guarded(endpoint, true, () -> delegate.termStats(endpoint, request, timeoutMs));
    }

    /** The breaker's state for {@code endpoint} (CLOSED for a server never called). */
    public CircuitBreaker.State state(ShardEndpoint endpoint) {
        CircuitBreaker b = breakers.get(endpoint);
        return b == null ? CircuitBreaker.State.CLOSED : b.getState();
    }

    private <T> CompletableFuture<T> guarded(
            ShardEndpoint endpoint, boolean waitsForOffsets, Supplier<CompletableFuture<T>> call) {
        CircuitBreaker breaker = breakers.computeIfAbsent(endpoint, this::newBreaker);
        if (!breaker.tryAcquirePermission()) {
            metrics.shardCircuitRejected();
            return CompletableFuture.failedFuture(
                    new ShardCircuitOpenException(
                            "circuit breaker for shard server "
                                    + endpoint
                                    + " is open after repeated timeouts or connection failures"));
        }
        long start = System.nanoTime();
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.whenComplete(
                (r, t) -> {
                    long nanos = System.nanoTime() - start;
                    Throwable cause =
                            t instanceof CompletionException && t.getCause() != null
                                    ? t.getCause()
                                    : t;
                    if (cause == null) {
                        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
                    } else if (waitsForOffsets && cause instanceof ShardTimeoutException) {
                        breaker.releasePermission();
                    } else {
                        breaker.onError(nanos, TimeUnit.NANOSECONDS, cause);
                    }
                });
    }

    private CircuitBreaker newBreaker(ShardEndpoint endpoint) {
        CircuitBreaker b = CircuitBreaker.of("shard-server-" + endpoint, config);
        metrics.shardCircuitOpen(endpoint.toString(), false);
        b.getEventPublisher()
                .onStateTransition(
                        e -> {
                            CircuitBreaker.State to = e.getStateTransition().getToState();
                            metrics.shardCircuitOpen(
                                    endpoint.toString(), to == CircuitBreaker.State.OPEN);
                            if (to == CircuitBreaker.State.OPEN) {
                                LOG.warn(
                                        "Shard server {} keeps failing: its shards count as"
                                                + " missing for a while ({})",
                                        endpoint,
                                        e.getStateTransition());
                            } else {
                                LOG.info(
                                        "Shard server {} circuit: {}",
                                        endpoint,
                                        e.getStateTransition());
                            }
                        });
        return b;
    }

    @Override
    public long nextRequestId() {
        return delegate.nextRequestId();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
