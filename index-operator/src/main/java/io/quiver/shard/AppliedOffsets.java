package io.quiver.shard;

import java.util.Arrays;

/**
 * An immutable map from upserts-topic partition to the highest offset a shard has applied,
 * inclusive: every record of that partition at or below the offset is in the shard's index (or was
 * rejected). A partition that is absent has nothing applied yet.
 */
public final class AppliedOffsets {

    public static final AppliedOffsets EMPTY = new AppliedOffsets(new int[0], new long[0]);

    private final int[] partitions;
    private final long[] offsets;

    private AppliedOffsets(int[] partitions, long[] offsets) {
        this.partitions = partitions;
        this.offsets = offsets;
    }

    /** Builds from parallel arrays; partitions need not be sorted. */
    public static AppliedOffsets of(int[] partitions, long[] offsets) {
        if (partitions.length != offsets.length) {
            throw new IllegalArgumentException(
                    partitions.length + " partitions but " + offsets.length + " offsets");
        }
        AppliedOffsets out = EMPTY;
        for (int i = 0; i < partitions.length; i++) {
            out = out.advance(partitions[i], offsets[i]);
        }
        return out;
    }

    /** The offset applied for {@code partition}, or -1 when none. */
    public long offset(int partition) {
        int i = Arrays.binarySearch(partitions, partition);
        return i >= 0 ? offsets[i] : -1L;
    }

    /**
     * This map with {@code partition} raised to {@code offset}; returns {@code this} when the
     * partition is already at or past it (offsets never go back).
     */
    public AppliedOffsets advance(int partition, long offset) {
        int i = Arrays.binarySearch(partitions, partition);
        if (i >= 0) {
            if (offsets[i] >= offset) {
                return this;
            }
            long[] o = offsets.clone();
            o[i] = offset;
            return new AppliedOffsets(partitions, o);
        }
        int at = -i - 1;
        int[] p = new int[partitions.length + 1];
        long[] o = new long[offsets.length + 1];
        System.arraycopy(partitions, 0, p, 0, at);
        System.arraycopy(offsets, 0, o, 0, at);
        p[at] = partition;
        o[at] = offset;
        System.arraycopy(partitions, at, p, at + 1, partitions.length - at);
        System.arraycopy(offsets, at, o, at + 1, offsets.length - at);
        return new AppliedOffsets(p, o);
    }

    /**
     * Whether every required partition is applied at least up to its required offset. A required
     * offset below 0 is always satisfied.
     */
    public boolean covers(int[] requiredPartitions, long[] requiredOffsets) {
        for (int i = 0; i < requiredPartitions.length; i++) {
            if (requiredOffsets[i] >= 0 && offset(requiredPartitions[i]) < requiredOffsets[i]) {
                return false;
            }
        }
        return true;
    }

    /** Sorted partitions; do not modify. */
    public int[] partitions() {
        return partitions;
    }

    /** Offsets parallel to {@link #partitions()}; do not modify. */
    public long[] offsets() {
        return offsets;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < partitions.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(partitions[i]).append(':').append(offsets[i]);
        }
        return sb.append('}').toString();
    }
}
