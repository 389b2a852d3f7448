package io.quiver.query.search;

/**
 * One search hit: a point id, its score in the collection's metric (l2: Euclidean distance, lower
 * is better; cosine, dot: similarity, higher is better), its payload as JSON bytes or null, and its
 * vector as written, or null when not asked for.
 */
public record Hit(String id, float score, byte[] payload, int shard, float[] vector) {

    public Hit(String id, float score, byte[] payload, int shard) {
        this(id, score, payload, shard, null);
    }
}
