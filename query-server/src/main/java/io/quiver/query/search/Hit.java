package io.quiver.query.search;

/**
 * One search hit: a point id, its score in the collection's metric (l2: Euclidean distance, lower
 * is better; cosine, dot: similarity, higher is better) and its payload as JSON bytes, or null.
 */
public record Hit(String id, float score, byte[] payload, int shard) {}
