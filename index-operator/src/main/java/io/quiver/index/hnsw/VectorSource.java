package io.quiver.index.hnsw;

/**
 * Where an int8 {@link HnswIndex} reads float32 vectors to rescore its candidates: the caller's own
 * copy of the vectors (a shard's stored points, a benchmark's base set), so that the index itself
 * keeps only codes and graph and a process holds one float32 copy, not two.
 *
 * <p>Called from search threads concurrently with the index's writer and with each other, once per
 * rescored candidate: implementations must be thread-safe and should not allocate.
 */
@FunctionalInterface
public interface VectorSource {

    /**
     * Copies the vector of one node, as written (not normalized: the index normalizes for cosine),
     * into {@code dst[0, dimension)}.
     *
     * @param node the internal id, valid in the graph the search runs on (a {@link
     *     HnswIndex#rebuild()} renumbers nodes)
     * @param id the node's string id, or null for an index without string ids
     * @param dst a buffer of at least the index's dimension, owned by the searching thread
     * @return false when the source has no vector for it (say, deleted since the search started);
     *     the candidate then keeps its approximate int8 distance
     */
    boolean read(int node, String id, float[] dst);
}
