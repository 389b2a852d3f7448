package io.quiver.query.search;

import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.rpc.ShardClient;
import io.quiver.schemas.filter.Filter;
import io.quiver.schemas.filter.Filters;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.rpc.CountRequest;
import io.quiver.schemas.rpc.CountResponse;
import io.quiver.schemas.rpc.GetPointRequest;
import io.quiver.schemas.rpc.GetPointResponse;
import io.quiver.schemas.rpc.ShardResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@link PointReader} over the shard RPC: a point lookup goes to the shard {@link
 * ShardKeys#shardOf} names, a count to one request per shard server; both are routed and retried
 * like searches ({@link ShardFanOut}). A shard that has not seen the collection yet holds none of
 * its points: the point is absent there and its count is 0.
 */
public final class ShardPointReader implements PointReader {

    private final ShardClient client;
    private final ShardKeys keys;
    private final ShardFanOut<GetPointResponse> gets;
    private final ShardFanOut<CountResponse.Count> counts;

    public ShardPointReader(ShardDirectory directory, ShardClient client, ShardKeys keys) {
        if (keys.numShards() != directory.numShards()) {
            throw new IllegalArgumentException(
                    "shard keys for "
                            + keys.numShards()
                            + " shards but the directory has "
                            + directory.numShards());
        }
        this.client = client;
        this.keys = keys;
        this.gets =
                new ShardFanOut<>(
                        directory,
                        GetPointResponse::shard,
                        GetPointResponse::status,
                        GetPointResponse::message);
        this.counts =
                new ShardFanOut<>(
                        directory,
                        CountResponse.Count::shard,
                        CountResponse.Count::status,
                        CountResponse.Count::message);
    }

    @Override
    public CompletableFuture<PointLookup> get(String collection, String id, int timeoutMs) {
        int shard = keys.shardOf(collection, id);
        return gets.run(
                        List.of(shard),
                        timeoutMs,
                        (endpoint, shards, left) ->
                                client.get(
                                                endpoint,
                                                new GetPointRequest(
                                                        client.nextRequestId(),
                                                        collection,
                                                        shard,
                                                        id),
                                                left)
                                        .thenApply(List::of))
                .thenApply(
                        outcome -> {
                            if (outcome.answered().isEmpty()) {
                                return new PointLookup(shard, false, null, null);
                            }
                            GetPointResponse r = outcome.answered().get(0);
                            if (r.status() != ShardResult.Status.OK) {
                                return new PointLookup(shard, true, null, null);
                            }
                            return new PointLookup(shard, true, r.vector(), r.payload());
                        });
    }

    @Override
    public CompletableFuture<CountOutcome> count(String collection, Filter filter, int timeoutMs) {
        byte[] json = filter == null || filter.isEmpty() ? null : Filters.toBytes(filter);
        return counts.all(
                        timeoutMs,
                        (endpoint, shards, left) ->
                                client.count(
                                                endpoint,
                                                new CountRequest(
                                                        client.nextRequestId(),
                                                        collection,
                                                        shards,
                                                        json),
                                                left)
                                        .thenApply(CountResponse::shards))
                .thenApply(
                        outcome -> {
                            long total = 0;
                            for (CountResponse.Count c : outcome.answered()) {
                                if (c.status() == ShardResult.Status.OK) {
                                    total += c.count();
                                }
                            }
                            return new CountOutcome(
                                    total, outcome.answered().size(), outcome.missing());
                        });
    }
}
