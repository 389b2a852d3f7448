package io.quiver.query.routing;

import io.quiver.schemas.status.ShardStatus;
import java.util.Map;
import java.util.TreeMap;

/**
 * One shard as the directory sees it.
 *
 * @param shard the logical shard number
 * @param state whether searches can go to it
 * @param endpoint its shard server, or null when never located
 * @param status the last status read, or null; its applied offsets tell what the shard has indexed
 */
public record ShardInfo(int shard, ShardState state, ShardEndpoint endpoint, ShardStatus status) {

    public static ShardInfo unknown(int shard) {
        return new ShardInfo(shard, ShardState.UNKNOWN, null, null);
    }

    /** Whether a search may be sent to this shard. */
    public boolean searchable() {
        return state == ShardState.READY && endpoint != null;
    }

    /** The upserts-topic offsets the shard has applied, partition to offset; empty if unknown. */
    public Map<Integer, Long> appliedOffsets() {
        Map<Integer, Long> out = new TreeMap<>();
        if (status != null) {
            for (int i = 0; i < status.appliedPartitions().length; i++) {
                out.put(status.appliedPartitions()[i], status.appliedOffsets()[i]);
            }
        }
        return out;
    }

    ShardInfo withState(ShardState newState) {
        return new ShardInfo(shard, newState, endpoint, status);
    }
}
