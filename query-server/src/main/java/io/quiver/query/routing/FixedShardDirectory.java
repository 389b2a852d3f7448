package io.quiver.query.routing;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** See {@link ShardDirectory#fixed}. */
final class FixedShardDirectory implements ShardDirectory {

    private final ShardInfo[] shards;

    FixedShardDirectory(int numShards, Map<Integer, ShardEndpoint> endpoints) {
        if (numShards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, got " + numShards);
        }
        shards = new ShardInfo[numShards];
        for (int s = 0; s < numShards; s++) {
            ShardEndpoint e = endpoints.get(s);
            shards[s] =
                    e == null ? ShardInfo.unknown(s) : new ShardInfo(s, ShardState.READY, e, null);
        }
        for (Integer s : endpoints.keySet()) {
            if (s < 0 || s >= numShards) {
                throw new IllegalArgumentException(
                        "shard " + s + " is outside 0.." + (numShards - 1));
            }
        }
    }

    @Override
    public int numShards() {
        return shards.length;
    }

    @Override
    public ShardInfo shard(int shard) {
        return shards[shard];
    }

    @Override
    public CompletableFuture<Void> refresh() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void start() {}

    @Override
    public void close() {}
}
