package io.quiver.schemas.rpc;

import java.util.Objects;

/**
 * One search sent to one shard server, covering several of the shards it hosts.
 *
 * <p>{@code requiredPartitions}/{@code requiredOffsets} (same length, may be empty) ask every shard
 * to wait until it has applied at least that offset of each upserts-topic partition before
 * searching, for at most {@code timeoutMs}; a shard that cannot catch up in time answers {@link
 * ShardResult.Status#TIMEOUT} instead of stale results. {@code filter} is an optional UTF-8 JSON
 * filter (empty when none). {@code k = 0} asks for no search at all: each shard answers {@code OK}
 * without hits once it has applied the required offsets (a sync, used for {@code ?wait=true}).
 */
public final class SearchRequest {

    private final long requestId;
    private final String collection;
    private final int[] shards;
    private final int k;
    private final int ef;
    private final boolean withPayload;
    private final boolean withVector;
    private final float[] vector;
    private final int timeoutMs;
    private final int[] requiredPartitions;
    private final long[] requiredOffsets;
    private final byte[] filter;
    private final boolean exactScores;
    private final boolean exactSearch;

    public SearchRequest(
            long requestId,
            String collection,
            int[] shards,
            int k,
            int ef,
            boolean withPayload,
            float[] vector,
            int timeoutMs,
            int[] requiredPartitions,
            long[] requiredOffsets,
            byte[] filter) {
        this(
                requestId,
                collection,
                shards,
                k,
                ef,
                withPayload,
                false,
                vector,
                timeoutMs,
                requiredPartitions,
                requiredOffsets,
                filter);
    }

    /**
     * @param withVector whether each hit carries its vector as written (answered with a
     *     RESULT_VECTORS frame)
     */
    public SearchRequest(
            long requestId,
            String collection,
            int[] shards,
            int k,
            int ef,
            boolean withPayload,
            boolean withVector,
            float[] vector,
            int timeoutMs,
            int[] requiredPartitions,
            long[] requiredOffsets,
            byte[] filter) {
        this.requestId = requestId;
        this.collection = Objects.requireNonNull(collection, "collection");
        this.shards = Objects.requireNonNull(shards, "shards");
        this.k = k;
        this.ef = ef;
        this.withPayload = withPayload;
        this.withVector = withVector;
        this.vector = Objects.requireNonNull(vector, "vector");
        this.timeoutMs = timeoutMs;
        this.requiredPartitions = requiredPartitions == null ? new int[0] : requiredPartitions;
        this.requiredOffsets = requiredOffsets == null ? new long[0] : requiredOffsets;
        this.filter = filter == null ? new byte[0] : filter;
        this.exactScores = false;
        this.exactSearch = false;
        if (this.requiredPartitions.length != this.requiredOffsets.length) {
            throw new IllegalArgumentException(
                    this.requiredPartitions.length
                            + " required partitions but "
                            + this.requiredOffsets.length
                            + " offsets");
        }
    }

    private SearchRequest(SearchRequest r, boolean exactScores, boolean exactSearch) {
        this.requestId = r.requestId;
        this.collection = r.collection;
        this.shards = r.shards;
        this.k = r.k;
        this.ef = r.ef;
        this.withPayload = r.withPayload;
        this.withVector = r.withVector;
        this.vector = r.vector;
        this.timeoutMs = r.timeoutMs;
        this.requiredPartitions = r.requiredPartitions;
        this.requiredOffsets = r.requiredOffsets;
        this.filter = r.filter;
        this.exactScores = exactScores;
        this.exactSearch = exactSearch;
    }

    /**
     * This search, asking (when {@code exactScores}) every shard to rescore its hits with the
     * float32 vectors as written, in the collection's metric, and answer them in that order: the
     * {@code exact} rerank of int8 collections.
     */
    public SearchRequest withExactScores(boolean exactScores) {
        return new SearchRequest(this, exactScores, exactSearch);
    }

    /**
     * This search, asking (when {@code exactSearch}) every shard for the exact top-k: a brute-force
     * scan of every live point's float32 vector as written instead of the index (its {@code ef} is
     * then ignored). Costs O(points × dimension) per shard; meant for checking recall and for small
     * or heavily filtered collections.
     */
    public SearchRequest withExactSearch(boolean exactSearch) {
        return new SearchRequest(this, exactScores, exactSearch);
    }

    /** A search with no consistency wait and no filter. */
    public static SearchRequest simple(
            long requestId,
            String collection,
            int[] shards,
            int k,
            int ef,
            boolean withPayload,
            float[] vector,
            int timeoutMs) {
        return new SearchRequest(
                requestId,
                collection,
                shards,
                k,
                ef,
                withPayload,
                vector,
                timeoutMs,
                null,
                null,
                null);
    }

    public long requestId() {
        return requestId;
    }

    public String collection() {
        return collection;
    }

    public int[] shards() {
        return shards;
    }

    public int k() {
        return k;
    }

    /** Candidate list size for HNSW; 0 means the collection's default. */
    public int ef() {
        return ef;
    }

    public boolean withPayload() {
        return withPayload;
    }

    public boolean withVector() {
        return withVector;
    }

    /** Whether the hits' scores are recomputed from the float32 vectors as written. */
    public boolean exactScores() {
        return exactScores;
    }

    /** Whether every shard scans all its points instead of searching its index. */
    public boolean exactSearch() {
        return exactSearch;
    }

    public float[] vector() {
        return vector;
    }

    public int timeoutMs() {
        return timeoutMs;
    }

    public int[] requiredPartitions() {
        return requiredPartitions;
    }

    public long[] requiredOffsets() {
        return requiredOffsets;
    }

    public byte[] filter() {
        return filter;
    }
}
