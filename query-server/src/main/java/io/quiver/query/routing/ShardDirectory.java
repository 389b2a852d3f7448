package io.quiver.query.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Where every logical shard lives and whether it can serve searches.
 *
 * <p>The query server only reads through this interface, so a Flink without Queryable State needs
 * only a new implementation. Implementations refresh on their own cadence; callers that saw a shard
 * fail ({@code NOT_HERE}, a refused connection) ask for an immediate {@link #refresh()} and retry
 * once with what it finds.
 */
public interface ShardDirectory extends AutoCloseable {

    /** The number of logical shards; shard numbers are {@code 0..numShards()-1}. */
    int numShards();

    /** The current view of {@code shard}; never null. */
    ShardInfo shard(int shard);

    /** The current view of every shard, in shard order. */
    default List<ShardInfo> shards() {
        List<ShardInfo> out = new ArrayList<>(numShards());
        for (int s = 0; s < numShards(); s++) {
            out.add(shard(s));
        }
        return out;
    }

    /** Whether every shard is located and ready. */
    default boolean allReady() {
        for (int s = 0; s < numShards(); s++) {
            if (!shard(s).searchable()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Asks for a refresh now. The future completes when a lookup that started after this call has
     * finished (it never fails; failed lookups show in the shards' states). Concurrent calls share
     * one refresh.
     */
    CompletableFuture<Void> refresh();

    /** Starts background refreshing; idempotent. */
    void start();

    @Override
    void close();

    /**
     * A directory that never changes: every shard in {@code endpoints} is ready at its endpoint,
     * the others unknown. For tests and for fixed deployments.
     */
    static ShardDirectory fixed(int numShards, Map<Integer, ShardEndpoint> endpoints) {
        return new FixedShardDirectory(numShards, endpoints);
    }
}
