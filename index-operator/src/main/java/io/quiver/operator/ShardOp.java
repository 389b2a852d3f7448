package io.quiver.operator;

import java.util.Arrays;

/**
 * One operation on one shard, as the decode step sends it to the index operator keyed by {@link
 * #shardKey} (the Flink key of the shard, see {@code ShardKeys#keyOf}).
 *
 * <ul>
 *   <li>{@link Kind#UPSERT}: {@link #collection}, {@link #id}, {@link #vector}, optional {@link
 *       #payload} (UTF-8 JSON) and {@link #version}, and the record's source {@link #partition} and
 *       {@link #offset}.
 *   <li>{@link Kind#DELETE}: {@link #collection}, {@link #id}, optional {@link #version}, source.
 *   <li>{@link Kind#COLLECTION}: a collection's spec changed; {@link #payload} holds the spec JSON
 *       as on the collections topic, or null when the collection was deleted. Sent to every shard.
 *   <li>{@link Kind#MARKER}: every record of upserts-topic {@link #partition} up to {@link #offset}
 *       (inclusive) that this channel carries has been sent before this marker. Sent to every
 *       shard.
 * </ul>
 *
 * <p>A Flink POJO (public fields, no-argument constructor), so Flink serializes it without Kryo.
 */
public final class ShardOp {

    /** What a {@link ShardOp} does. */
    public enum Kind {
        UPSERT,
        DELETE,
        COLLECTION,
        MARKER
    }

    /** {@link #version} of a record that carries none. */
    public static final long NO_VERSION = -1L;

    public Kind kind;
    public int shardKey;
    public String collection;
    public String id;
    public float[] vector;
    public byte[] payload;
    public long version = NO_VERSION;
    public int partition = -1;
    public long offset = -1L;

    public ShardOp() {}

    public static ShardOp upsert(
            int shardKey,
            String collection,
            String id,
            float[] vector,
            byte[] payload,
            long version,
            int partition,
            long offset) {
        ShardOp op = new ShardOp();
        op.kind = Kind.UPSERT;
        op.shardKey = shardKey;
        op.collection = collection;
        op.id = id;
        op.vector = vector;
        op.payload = payload;
        op.version = version;
        op.partition = partition;
        op.offset = offset;
        return op;
    }

    public static ShardOp delete(
            int shardKey, String collection, String id, long version, int partition, long offset) {
        ShardOp op = new ShardOp();
        op.kind = Kind.DELETE;
        op.shardKey = shardKey;
        op.collection = collection;
        op.id = id;
        op.version = version;
        op.partition = partition;
        op.offset = offset;
        return op;
    }

    /** A spec change; {@code spec} is null when the collection was deleted. */
    public static ShardOp collection(int shardKey, String collection, byte[] spec) {
        ShardOp op = new ShardOp();
        op.kind = Kind.COLLECTION;
        op.shardKey = shardKey;
        op.collection = collection;
        op.payload = spec;
        return op;
    }

    public static ShardOp marker(int shardKey, int partition, long offset) {
        ShardOp op = new ShardOp();
        op.kind = Kind.MARKER;
        op.shardKey = shardKey;
        op.partition = partition;
        op.offset = offset;
        return op;
    }

    @Override
    public String toString() {
        return "ShardOp{"
                + kind
                + ", key="
                + shardKey
                + ", collection="
                + collection
                + ", id="
                + id
                + ", dim="
                + (vector == null ? -1 : vector.length)
                + ", version="
                + version
                + ", source="
                + partition
                + ":"
                + offset
                + "}";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ShardOp)) {
            return false;
        }
        ShardOp other = (ShardOp) o;
        return kind == other.kind
                && shardKey == other.shardKey
                && java.util.Objects.equals(collection, other.collection)
                && java.util.Objects.equals(id, other.id)
                && Arrays.equals(vector, other.vector)
                && Arrays.equals(payload, other.payload)
                && version == other.version
                && partition == other.partition
                && offset == other.offset;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(kind, shardKey, collection, id, version, partition, offset);
    }
}
