package io.quiver.operator;

/**
 * A live point as the index operator keeps it in RocksDB: the durable truth the in-heap indexes are
 * rebuilt from. Serialized by {@link StoredRecordSerializer}.
 */
public final class StoredRecord {

    final float[] vector;
    final byte[] payload;
    final long version;
    final int partition;
    final long offset;

    public StoredRecord(float[] vector, byte[] payload, long version, int partition, long offset) {
        this.vector = vector;
        this.payload = payload;
        this.version = version;
        this.partition = partition;
        this.offset = offset;
    }

    public float[] vector() {
        return vector;
    }

    /** UTF-8 JSON, or null. */
    public byte[] payload() {
        return payload;
    }

    /** The explicit version, or {@link ShardOp#NO_VERSION}. */
    public long version() {
        return version;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }
}
