package io.quiver.query.rpc;

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
import java.util.concurrent.CompletableFuture;

/**
 * Sends shard RPCs. Failures say what to do: {@link ShardConnectionException} → the shard server is
 * gone or moved, rediscover; {@link ShardTimeoutException} → it is slow, count its shards as
 * missing; {@link ShardRpcException} → it could not read the request.
 */
public interface ShardClient extends AutoCloseable {

    /** Sends {@code request} to {@code endpoint}; the future never outlives {@code timeoutMs}. */
    CompletableFuture<SearchResponse> search(
            ShardEndpoint endpoint, SearchRequest request, long timeoutMs);

    /**
     * Sends several searches to {@code endpoint} in one frame, answered in one; same failures and
     * timeout as {@link #search}.
     */
    CompletableFuture<SearchBatchResponse> searchBatch(
            ShardEndpoint endpoint, SearchBatchRequest request, long timeoutMs);

    /** Asks {@code endpoint} for one point; same failures and timeout as {@link #search}. */
    CompletableFuture<GetPointResponse> get(
            ShardEndpoint endpoint, GetPointRequest request, long timeoutMs);

    /** Asks {@code endpoint} for exact counts; same failures and timeout as {@link #search}. */
    CompletableFuture<CountResponse> count(
            ShardEndpoint endpoint, CountRequest request, long timeoutMs);

    /**
     * Asks {@code endpoint} for BM25 term statistics; same failures and timeout as {@link #search}.
     * Clients that cannot send them (test doubles) fail with {@link ShardRpcException}, which the
     * caller treats as missing statistics.
     */
    default CompletableFuture<TermStatsResponse> termStats(
            ShardEndpoint endpoint, TermStatsRequest request, long timeoutMs) {
        return CompletableFuture.failedFuture(
                new ShardRpcException("this shard client does not send term statistics requests"));
    }

    /** A fresh request id, unique for this client. */
    long nextRequestId();

    @Override
    void close();
}
