package io.quiver.query.search;

import io.quiver.schemas.filter.Filter;
import java.util.Map;
import java.util.Objects;

/**
 * One validated search against one collection.
 *
 * @param collection the collection's name
 * @param vector the query, already checked against the collection's dimension
 * @param limit how many hits to return (k), 1 to {@code Limits.MAX_SEARCH_LIMIT}
 * @param offset how many of the best hits to skip first; {@code offset + limit} is at most {@code
 *     Limits.MAX_SEARCH_LIMIT}, since every shard is asked for that many
 * @param ef HNSW candidate list size, 0 for the collection's default
 * @param withPayload whether hits carry their payloads
 * @param withVector whether hits carry their vectors as written
 * @param scoreThreshold drop hits worse than this score, or null
 * @param timeoutMs how long the fan-out may take before answering with what arrived
 * @param requiredOffsets upserts-topic offsets every shard must have applied first (partition to
 *     offset, empty for eventual consistency)
 * @param filter only points whose payload passes it, or null for every point
 * @param exactScores whether the shards rescore their hits with the float32 vectors as written (the
 *     {@code exact} rerank of int8 collections)
 * @param exact whether the shards scan every point instead of their index ({@code params.exact}):
 *     the exact top-k, at O(points × dimension) per shard
 */
public record SearchQuery(
        String collection,
        float[] vector,
        int limit,
        int offset,
        int ef,
        boolean withPayload,
        boolean withVector,
        Float scoreThreshold,
        int timeoutMs,
        Map<Integer, Long> requiredOffsets,
        Filter filter,
        boolean exactScores,
        boolean exact) {

    /** An index search (not exact), with or without exact rescoring. */
    public SearchQuery(
            String collection,
            float[] vector,
            int limit,
            int offset,
            int ef,
            boolean withPayload,
            boolean withVector,
            Float scoreThreshold,
            int timeoutMs,
            Map<Integer, Long> requiredOffsets,
            Filter filter,
            boolean exactScores) {
        this(
                collection,
                vector,
                limit,
                offset,
                ef,
                withPayload,
                withVector,
                scoreThreshold,
                timeoutMs,
                requiredOffsets,
                filter,
                exactScores,
                false);
    }

    /** A search with the index's own scores. */
    public SearchQuery(
            String collection,
            float[] vector,
            int limit,
            int offset,
            int ef,
            boolean withPayload,
            boolean withVector,
            Float scoreThreshold,
            int timeoutMs,
            Map<Integer, Long> requiredOffsets,
            Filter filter) {
        this(
                collection,
                vector,
                limit,
                offset,
                ef,
                withPayload,
                withVector,
                scoreThreshold,
                timeoutMs,
                requiredOffsets,
                filter,
                false);
    }

    /** A search without offset, vectors or filter. */
    public SearchQuery(
            String collection,
            float[] vector,
            int limit,
            int ef,
            boolean withPayload,
            Float scoreThreshold,
            int timeoutMs,
            Map<Integer, Long> requiredOffsets) {
        this(
                collection,
                vector,
                limit,
                0,
                ef,
                withPayload,
                false,
                scoreThreshold,
                timeoutMs,
                requiredOffsets,
                null);
    }

    /**
     * A sync: no search, only the wait until every shard has applied {@code requiredOffsets} (k = 0
     * on the shard RPC). The outcome lists the shards that did not catch up in time as missing.
     */
    public static SearchQuery sync(
            String collection, Map<Integer, Long> requiredOffsets, int timeoutMs) {
        return new SearchQuery(
                collection, new float[0], 0, 0, false, null, timeoutMs, requiredOffsets);
    }

    public SearchQuery {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(vector, "vector");
        requiredOffsets = Map.copyOf(requiredOffsets);
        if (filter != null && filter.isEmpty()) {
            filter = null;
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
    }

    /** This search, waiting for {@code offsets} first. */
    public SearchQuery withRequiredOffsets(Map<Integer, Long> offsets) {
        return new SearchQuery(
                collection,
                vector,
                limit,
                offset,
                ef,
                withPayload,
                withVector,
                scoreThreshold,
                timeoutMs,
                offsets,
                filter,
                exactScores,
                exact);
    }

    /**
     * This search from the first hit: {@code limit} hits, with payloads when {@code withPayload}
     * (reranking asks for more candidates than the page and reads their payload texts).
     */
    public SearchQuery fromTop(int limit, boolean withPayload) {
        return new SearchQuery(
                collection,
                vector,
                limit,
                0,
                ef,
                withPayload,
                withVector,
                scoreThreshold,
                timeoutMs,
                requiredOffsets,
                filter,
                exactScores,
                exact);
    }

    /** This search, asking the shards for exact float32 scores when {@code scores}. */
    public SearchQuery withExactScores(boolean scores) {
        return new SearchQuery(
                collection,
                vector,
                limit,
                offset,
                ef,
                withPayload,
                withVector,
                scoreThreshold,
                timeoutMs,
                requiredOffsets,
                filter,
                scores,
                exact);
    }

    /** This search, scanning every point when {@code exact} ({@code params.exact}). */
    public SearchQuery withExact(boolean exact) {
        return new SearchQuery(
                collection,
                vector,
                limit,
                offset,
                ef,
                withPayload,
                withVector,
                scoreThreshold,
                timeoutMs,
                requiredOffsets,
                filter,
                exactScores,
                exact);
    }

    /** How many hits every shard is asked for: the skipped ones and the page. */
    public int depth() {
        return offset + limit;
    }
}
