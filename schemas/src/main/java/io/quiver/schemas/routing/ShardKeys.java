package io.quiver.schemas.routing;

import io.quiver.schemas.Topics;
import org.apache.flink.util.MathUtils;

/**
 * Maps points to logical shards, and shards to the Flink keys that stand for them.
 *
 * <p>A point {@code (collection, id)} belongs to shard {@code murmur(hash("collection/id")) mod S}.
 * Shard {@code s} is keyed in Flink by the smallest non-negative integer whose key group is {@code
 * s * maxParallelism / S}: hashing the numbers 0..S-1 directly would put several shards in one key
 * group and leave subtasks unevenly loaded, while evenly spaced key groups give every subtask the
 * same number of shards whenever the parallelism divides S.
 *
 * <p>Both the job and the query server build this table from the same (S, maxParallelism); the
 * query server uses {@link #keyOf(int)} for its Queryable State lookups.
 */
public final class ShardKeys {

    /** Default number of logical shards: at least the largest parallelism one plans. */
    public static final int DEFAULT_SHARDS = 32;

    /** Default Flink max parallelism (number of key groups); must be at least the shard count. */
    public static final int DEFAULT_MAX_PARALLELISM = 128;

    private final int numShards;
    private final int maxParallelism;
    private final int[] keys;

    public ShardKeys(int numShards, int maxParallelism) {
        if (numShards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, got " + numShards);
        }
        if (maxParallelism < numShards || maxParallelism > 32768) {
            throw new IllegalArgumentException(
                    "max parallelism must be between the shard count ("
                            + numShards
                            + ") and 32768, got "
                            + maxParallelism);
        }
        this.numShards = numShards;
        this.maxParallelism = maxParallelism;
        this.keys = new int[numShards];
        for (int s = 0; s < numShards; s++) {
            int target = (int) ((long) s * maxParallelism / numShards);
            int k = 0;
            while (keyGroupOf(k) != target) {
                k++;
            }
            keys[s] = k;
        }
    }

    public int numShards() {
        return numShards;
    }

    public int maxParallelism() {
        return maxParallelism;
    }

    /** The Flink key standing for shard {@code s}. */
    public int keyOf(int shard) {
        return keys[shard];
    }

    /** The shard a Flink key stands for, or -1 when it stands for none. */
    public int shardOfKey(int key) {
        for (int s = 0; s < numShards; s++) {
            if (keys[s] == key) {
                return s;
            }
        }
        return -1;
    }

    /** The shard of point {@code id} in {@code collection}. */
    public int shardOf(String collection, String id) {
        return Math.floorMod(
                MathUtils.murmurHash(Topics.pointKey(collection, id).hashCode()), numShards);
    }

    /** Flink's key group of an Integer key (as {@code KeyGroupRangeAssignment} computes it). */
    public int keyGroupOf(int key) {
        return MathUtils.murmurHash(Integer.hashCode(key)) % maxParallelism;
    }
}
