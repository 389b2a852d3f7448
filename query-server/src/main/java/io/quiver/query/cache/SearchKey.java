package io.quiver.query.cache;

import io.quiver.query.search.SearchQuery;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.filter.Filter;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * What makes two searches give the same answer: the collection (by name and creation time, so a
 * collection deleted and created again never shares entries), the vector, and every parameter that
 * changes the hits. The timeout is left out: only complete answers are shared.
 */
final class SearchKey {

    private final String collection;
    private final long createdAtMs;
    private final float[] vector;
    private final int limit;
    private final int offset;
    private final int ef;
    private final boolean withPayload;
    private final boolean withVector;
    private final boolean exactScores;
    private final boolean exact;
    private final Float scoreThreshold;
    private final Map<Integer, Long> requiredOffsets;
    private final Filter filter;
    private final int hash;

    SearchKey(CollectionSpec spec, SearchQuery q) {
        this.collection = q.collection();
        this.createdAtMs = spec.getCreatedAtMs();
        this.vector = q.vector();
        this.limit = q.limit();
        this.offset = q.offset();
        this.ef = q.ef();
        this.withPayload = q.withPayload();
        this.withVector = q.withVector();
        this.exactScores = q.exactScores();
        this.exact = q.exact();
        this.scoreThreshold = q.scoreThreshold();
        this.requiredOffsets = q.requiredOffsets();
        this.filter = q.filter();
        this.hash =
                Objects.hash(
                                        collection,
                                        createdAtMs,
                                        limit,
                                        offset,
                                        ef,
                                        withPayload,
                                        withVector,
                                        exactScores,
                                        exact,
                                        scoreThreshold,
                                        requiredOffsets,
                                        filter)
                                * 31
                        + Arrays.hashCode(vector);
    }

    /** Approximate heap bytes of this key, for the cache's weight. */
    int bytes() {
        return 96 + 4 * vector.length + 2 * collection.length();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof SearchKey k)) {
            return false;
        }
        return hash == k.hash
                && limit == k.limit
                && offset == k.offset
                && ef == k.ef
                && withPayload == k.withPayload
                && withVector == k.withVector
                && exactScores == k.exactScores
                && exact == k.exact
                && createdAtMs == k.createdAtMs
                && collection.equals(k.collection)
                && Arrays.equals(vector, k.vector)
                && Objects.equals(scoreThreshold, k.scoreThreshold)
                && requiredOffsets.equals(k.requiredOffsets)
                && Objects.equals(filter, k.filter);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
