package io.quiver.shard;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shards that index operators in this JVM publish for the shard server, by shard number. An
 * operator registers every shard it owns when it starts and unregisters them when it closes; a
 * shard not registered here is answered {@code NOT_HERE}.
 */
public final class ShardRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(ShardRegistry.class);

    private final ConcurrentMap<Integer, LiveShard> shards = new ConcurrentHashMap<>();

    /** Publishes {@code shard}; a stale registration of the same number (a restart) is replaced. */
    public void register(LiveShard shard) {
        LiveShard previous = shards.put(shard.shard(), shard);
        if (previous != null && previous != shard) {
            LOG.warn(
                    "shard {} was registered twice in this JVM; the newer one wins", shard.shard());
        }
    }

    /** Removes {@code shard} unless another operator has registered that number since. */
    public void unregister(LiveShard shard) {
        shards.remove(shard.shard(), shard);
    }

    /** The live shard, or null when it does not live in this JVM. */
    public LiveShard get(int shard) {
        return shards.get(shard);
    }

    public int size() {
        return shards.size();
    }
}
