package io.quiver.query.rerank;

/**
 * One candidate handed to a {@link Reranker}.
 *
 * @param id the point's id
 * @param vectorScore its score in the collection's metric
 * @param text its payload text field, or "" when the payload lacks it
 */
public record RerankCandidate(String id, float vectorScore, String text) {}
