package io.quiver.query.search;

import java.util.Map;
import java.util.Objects;

/**
 * One validated search against one collection.
 *
 * @param collection the collection's name
 * @param vector the query, already checked against the collection's dimension
 * @param limit how many hits to return (k), 1 to {@code Limits.MAX_SEARCH_LIMIT}
 * @param ef HNSW candidate list size, 0 for the collection's default
 * @param withPayload whether hits carry their payloads
 * @param scoreThreshold drop hits worse than this score, or null
 * @param timeoutMs how long the fan-out may take before answering with what arrived
 * @param requiredOffsets upserts-topic offsets every shard must have applied first (partition to
 *     offset, empty for eventual consistency)
 */
public record SearchQuery(
        String collection,
        float[] vector,
        int limit,
        int ef,
        boolean withPayload,
        Float scoreThreshold,
        int timeoutMs,
        Map<Integer, Long> requiredOffsets) {

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
    }
}
