package io.quiver.query.testing;

import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.routing.ShardInfo;
import io.quiver.query.routing.ShardState;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A directory tests move shards around in. {@link #afterRefresh} sets where shards will be once the
 * next {@link #refresh()} runs, as if the job had moved them.
 */
public final class MutableShardDirectory implements ShardDirectory {

    private final AtomicReferenceArray<ShardInfo> shards;
    private final AtomicReferenceArray<ShardInfo> pending;
    public final AtomicInteger refreshes = new AtomicInteger();

    public MutableShardDirectory(int numShards) {
        shards = new AtomicReferenceArray<>(numShards);
        pending = new AtomicReferenceArray<>(numShards);
        for (int s = 0; s < numShards; s++) {
            shards.set(s, ShardInfo.unknown(s));
        }
    }

    public MutableShardDirectory put(int shard, ShardEndpoint endpoint) {
        shards.set(shard, new ShardInfo(shard, ShardState.READY, endpoint, null));
        return this;
    }

    public MutableShardDirectory put(int shard, ShardState state) {
        shards.set(shard, new ShardInfo(shard, state, shards.get(shard).endpoint(), null));
        return this;
    }

    public MutableShardDirectory afterRefresh(int shard, ShardEndpoint endpoint) {
        pending.set(shard, new ShardInfo(shard, ShardState.READY, endpoint, null));
        return this;
    }

    @Override
    public int numShards() {
        return shards.length();
    }

    @Override
    public ShardInfo shard(int shard) {
        return shards.get(shard);
    }

    @Override
    public CompletableFuture<Void> refresh() {
        refreshes.incrementAndGet();
        for (int s = 0; s < pending.length(); s++) {
            ShardInfo p = pending.getAndSet(s, null);
            if (p != null) {
                shards.set(s, p);
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void start() {}

    @Override
    public void close() {}
}
