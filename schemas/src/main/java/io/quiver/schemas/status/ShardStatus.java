package io.quiver.schemas.status;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What a shard tells the world about itself, kept by the index operator in the queryable keyed
 * state {@value #QUERYABLE_NAME} (value type {@code byte[]}, key = the shard's Flink key, see
 * {@code ShardKeys}) and refreshed on a short cadence.
 *
 * <p>{@code host}/{@code port} locate the shard server of the TaskManager that owns the shard;
 * {@code ready} is false while the shard restores. {@code appliedPartitions}/{@code
 * appliedOffsets}: the highest upserts-topic offset per partition that this shard has applied.
 * {@code updatedAtMillis} lets readers tell a live status from one left by a dead TaskManager.
 *
 * <p>Byte format (version 1): {@code version:u8, shard:i32, totalShards:i32, host (i32 length +
 * UTF-8), port:i32, ready:u8, vectorCount:i64, snapshotEpoch:i64, updatedAtMillis:i64, n:i32, n ×
 * (partition:i32, offset:i64)}, big-endian.
 */
public record ShardStatus(
        int shard,
        int totalShards,
        String host,
        int port,
        boolean ready,
        long vectorCount,
        long snapshotEpoch,
        long updatedAtMillis,
        int[] appliedPartitions,
        long[] appliedOffsets) {

    /** The name under which the operator registers the queryable state. */
    public static final String QUERYABLE_NAME = "shard-status";

    public static final int VERSION = 1;

    public ShardStatus {
        Objects.requireNonNull(host, "host");
        if (appliedPartitions.length != appliedOffsets.length) {
            throw new IllegalArgumentException("applied partitions and offsets differ in length");
        }
    }

    public byte[] toBytes() {
        byte[] h = host.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b =
                ByteBuffer.allocate(
                        1
                                + 4
                                + 4
                                + 4
                                + h.length
                                + 4
                                + 1
                                + 8 * 3
                                + 4
                                + appliedPartitions.length * 12);
        b.put((byte) VERSION).putInt(shard).putInt(totalShards).putInt(h.length).put(h);
        b.putInt(port).put((byte) (ready ? 1 : 0));
        b.putLong(vectorCount).putLong(snapshotEpoch).putLong(updatedAtMillis);
        b.putInt(appliedPartitions.length);
        for (int i = 0; i < appliedPartitions.length; i++) {
            b.putInt(appliedPartitions[i]).putLong(appliedOffsets[i]);
        }
        return b.array();
    }

    /**
     * Reads a status written by {@link #toBytes()}.
     *
     * @throws IllegalArgumentException when the bytes are truncated or of an unknown version
     */
    public static ShardStatus fromBytes(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            int version = b.get() & 0xFF;
            if (version != VERSION) {
                throw new IllegalArgumentException(
                        "unsupported shard-status version " + version + ", expected " + VERSION);
            }
            int shard = b.getInt();
            int total = b.getInt();
            int hl = b.getInt();
            if (hl < 0 || hl > b.remaining()) {
                throw new IllegalArgumentException("bad host length " + hl);
            }
            byte[] h = new byte[hl];
            b.get(h);
            int port = b.getInt();
            boolean ready = b.get() != 0;
            long count = b.getLong();
            long epoch = b.getLong();
            long updated = b.getLong();
            int n = b.getInt();
            if (n < 0 || n * 12L > b.remaining()) {
                throw new IllegalArgumentException("bad partition count " + n);
            }
            int[] partitions = new int[n];
            long[] offsets = new long[n];
            for (int i = 0; i < n; i++) {
                partitions[i] = b.getInt();
                offsets[i] = b.getLong();
            }
            return new ShardStatus(
                    shard,
                    total,
                    new String(h, StandardCharsets.UTF_8),
                    port,
                    ready,
                    count,
                    epoch,
                    updated,
                    partitions,
                    offsets);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated shard-status value", e);
        }
    }
}
