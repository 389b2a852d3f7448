package io.quiver.index;

import java.util.function.Predicate;

/**
 * An in-memory vector index over string ids, as a shard keeps one per collection.
 *
 * <p>Threading: one writer at a time calls {@link #upsert} and {@link #delete}; any number of
 * threads may call {@link #search} concurrently with that writer and with each other. A search
 * never returns an id whose {@link #delete} completed before the search started.
 */
public interface VectorIndex {

    int dimension();

    Metric metric();

    /** Inserts {@code vector} under {@code id}, replacing any vector the id had. */
    void upsert(String id, float[] vector);

    /** Removes {@code id}; returns whether it was present. */
    boolean delete(String id);

    /** Number of live (not deleted) vectors. */
    int size();

    /**
     * The best {@code k} live vectors for {@code query}.
     *
     * @param ef the candidate list size for approximate indexes ({@code ef >= k} is used); exact
     *     indexes ignore it
     * @param filter when not null, only ids it accepts are returned
     */
    SearchHits search(float[] query, int k, int ef, Predicate<String> filter);

    /** Approximate heap bytes held by this index. */
    long ramBytesUsed();
}
