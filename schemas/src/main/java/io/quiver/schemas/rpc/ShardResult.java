package io.quiver.schemas.rpc;

import java.util.Objects;

/**
 * One shard's answer inside a {@link SearchResponse}: its status, the upserts-topic offsets it had
 * applied when it searched, and its top-k best first ({@code payloads[i]} is null when the point
 * has none or none was asked for; {@code vectors} is null unless asked for).
 */
public final class ShardResult {

    /** What the query server should do with a shard's answer. */
    public enum Status {
        /** Searched; the hits are complete for this shard. */
        OK,
        /** The shard does not live on this server (any more): rediscover its location. */
        NOT_HERE,
        /** The shard lives here but is restoring: retry later. */
        RECOVERING,
        /** The collection is unknown to this shard (no spec arrived yet). */
        UNKNOWN_COLLECTION,
        /** The shard could not reach the required offsets before the deadline. */
        TIMEOUT,
        /** The search failed; {@link #message()} says why. */
        ERROR;

        static Status of(int code) {
            Status[] all = values();
            if (code < 0 || code >= all.length) {
                throw new RpcFormatException("unknown shard status code " + code);
            }
            return all[code];
        }
    }

    private static final String[] NO_IDS = new String[0];
    private static final float[] NO_SCORES = new float[0];
    private static final byte[][] NO_PAYLOADS = new byte[0][];
    private static final int[] NO_PARTITIONS = new int[0];
    private static final long[] NO_OFFSETS = new long[0];

    private final int shard;
    private final Status status;
    private final String message;
    private final int[] appliedPartitions;
    private final long[] appliedOffsets;
    private final String[] ids;
    private final float[] scores;
    private final byte[][] payloads;
    private final float[][] vectors;

    public ShardResult(
            int shard,
            Status status,
            String message,
            int[] appliedPartitions,
            long[] appliedOffsets,
            String[] ids,
            float[] scores,
            byte[][] payloads) {
        this(
                shard,
                status,
                message,
                appliedPartitions,
                appliedOffsets,
                ids,
                scores,
                payloads,
                null);
    }

    /**
     * @param vectors each hit's vector as written (an entry is null when the point has none any
     *     more), or null when vectors were not asked for
     */
    public ShardResult(
            int shard,
            Status status,
            String message,
            int[] appliedPartitions,
            long[] appliedOffsets,
            String[] ids,
            float[] scores,
            byte[][] payloads,
            float[][] vectors) {
        this.shard = shard;
        this.status = Objects.requireNonNull(status, "status");
        this.message = message == null ? "" : message;
        this.appliedPartitions = appliedPartitions == null ? NO_PARTITIONS : appliedPartitions;
        this.appliedOffsets = appliedOffsets == null ? NO_OFFSETS : appliedOffsets;
        this.ids = ids == null ? NO_IDS : ids;
        this.scores = scores == null ? NO_SCORES : scores;
        this.payloads = payloads == null ? new byte[this.ids.length][] : payloads;
        if (this.ids.length != this.scores.length || this.ids.length != this.payloads.length) {
            throw new IllegalArgumentException(
                    "ids, scores and payloads differ in length: "
                            + this.ids.length
                            + ", "
                            + this.scores.length
                            + ", "
                            + this.payloads.length);
        }
        this.vectors = vectors;
        if (vectors != null && vectors.length != this.ids.length) {
            throw new IllegalArgumentException(
                    this.ids.length + " ids but " + vectors.length + " vectors");
        }
        if (this.appliedPartitions.length != this.appliedOffsets.length) {
            throw new IllegalArgumentException("applied partitions and offsets differ in length");
        }
    }

    /** A shard answer without hits: any status but OK, with a reason. */
    public static ShardResult failed(int shard, Status status, String message) {
        return new ShardResult(shard, status, message, null, null, null, null, NO_PAYLOADS);
    }

    public int shard() {
        return shard;
    }

    public Status status() {
        return status;
    }

    public String message() {
        return message;
    }

    public int[] appliedPartitions() {
        return appliedPartitions;
    }

    public long[] appliedOffsets() {
        return appliedOffsets;
    }

    public int size() {
        return ids.length;
    }

    public String[] ids() {
        return ids;
    }

    public float[] scores() {
        return scores;
    }

    public byte[][] payloads() {
        return payloads;
    }

    /** Each hit's vector, or null when vectors were not asked for. */
    public float[][] vectors() {
        return vectors;
    }
}
