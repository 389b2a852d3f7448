package io.quiver.schemas.rpc;

import java.util.List;
import java.util.Objects;

/** A shard server's answer to a {@link TermStatsRequest}: one {@link Stats} per shard asked. */
public record TermStatsResponse(long requestId, List<Stats> shards) {

    /**
     * Document frequency of a term the shard cannot count exactly: its term table is full, or it
     * keeps none (the collection's rerank policy is not bm25).
     */
    public static final long UNKNOWN = -1;

    /**
     * One shard's statistics, meaningful with status {@code OK} (for {@code UNKNOWN_COLLECTION} all
     * are 0: the shard holds none of the collection's points).
     *
     * @param docs points whose payload has the field
     * @param totalTerms the terms of all those points' fields, for the average length
     * @param docFreqs per term asked, in the order asked: how many of those points hold it, or
     *     {@link #UNKNOWN}; empty unless the status is {@code OK}
     */
    public record Stats(
            int shard,
            ShardResult.Status status,
            String message,
            long docs,
            long totalTerms,
            long[] docFreqs) {

        public Stats {
            Objects.requireNonNull(status, "status");
            message = message == null ? "" : message;
            Objects.requireNonNull(docFreqs, "docFreqs");
        }

        /** A shard that could not answer, for {@code status}. */
        public static Stats failed(int shard, ShardResult.Status status, String message) {
            return new Stats(shard, status, message, 0, 0, new long[0]);
        }
    }

    public TermStatsResponse {
        shards = List.copyOf(Objects.requireNonNull(shards, "shards"));
    }
}
