package io.quiver.query.rerank;

/** A reranker answered something unusable; the search falls back to vector order. */
public final class RerankerException extends RuntimeException {

    public RerankerException(String message) {
        super(message);
    }
}
