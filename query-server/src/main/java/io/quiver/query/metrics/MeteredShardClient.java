package io.quiver.query.metrics;

import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.rpc.ShardCircuitOpenException;
import io.quiver.query.rpc.ShardClient;
import io.quiver.query.rpc.ShardConnectionException;
import io.quiver.query.rpc.ShardTimeoutException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** A {@link ShardClient} that times every call into {@link QueryMetrics#shardRpc}. */
public final class MeteredShardClient implements ShardClient {

    private final ShardClient delegate;
    private final QueryMetrics metrics;

    public MeteredShardClient(ShardClient delegate, QueryMetrics metrics) {
        this.delegate = delegate;
        this.metrics = metrics;
    }

    @Override
    public CompletableFuture<SearchResponse> search(
            ShardEndpoint endpoint, SearchRequest request, long timeoutMs) {
        return timed("search", () -> delegate.search(endpoint, request, timeoutMs));
    }

    @Override
    public CompletableFuture<SearchBatchResponse> searchBatch(
            ShardEndpoint endpoint, SearchBatchRequest request, long timeoutMs) {
        return timed("search_batch", () -> delegate.searchBatch(endpoint, request, timeoutMs));
    }

    @Override
    public CompletableFuture<GetPointResponse> get(
            ShardEndpoint endpoint, GetPointRequest request, long timeoutMs) {
        return timed("get", () -> delegate.get(endpoint, request, timeoutMs));
    }

    @Override
    public CompletableFuture<CountResponse> count(
            ShardEndpoint endpoint, CountRequest request, long timeoutMs) {
        return timed("count", () -> delegate.count(endpoint, request, timeoutMs));
    }

    @Override
    public CompletableFuture<TermStatsResponse> termStats(
            ShardEndpoint endpoint, TermStatsRequest request, long timeoutMs) {
        return timed("term_stats", () -> delegate.termStats(endpoint, request, timeoutMs));
    }

    private <T> CompletableFuture<T> timed(
            String type, java.util.function.Supplier<CompletableFuture<T>> call) {
        long start = System.nanoTime();
        CompletableFuture<T> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.whenComplete(
                (r, t) -> metrics.shardRpc(type, outcome(t), System.nanoTime() - start));
    }

    private static String outcome(Throwable t) {
        if (t == null) {
            return "ok";
        }
        Throwable cause =
                t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof ShardTimeoutException) {
            return "timeout";
        }
        if (cause instanceof ShardConnectionException) {
            return "connection";
        }
        if (cause instanceof ShardCircuitOpenException) {
            return "circuit_open";
        }
        return "error";
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
