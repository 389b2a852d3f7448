package io.quiver.query.rerank;

import io.quiver.schemas.text.PayloadText;
import java.util.Objects;

/**
 * What one search asks of reranking, resolved from the request's {@code rerank} field and the
 * collection's {@code rerank_policy}.
 *
 * <p>A plan either runs ({@link #active()}) or says why not ({@link #skipReason()}, one of the
 * {@code REASON_*} codes answered as {@code rerank_reason}).
 *
 * @param method how to rescore, or null when inactive
 * @param queryText the text the candidates are scored against
 * @param topN how many of the best vector hits are rescored (already shrunk by {@link
 *     #effectiveTopN})
 * @param timeoutMs how long rescoring may take before the search answers in vector order
 * @param textField the payload field holding each candidate's text
 * @param endpoint the external reranker for {@link RerankMethod#HTTP}, else null
 * @param fusion how {@link RerankMethod#BM25} combines lexical and vector scores
 * @param weight the lexical share of {@link Fusion#WEIGHTED}, 0 to 1
 * @param skipReason why the search is not reranked, or null when active
 */
public record RerankPlan(
        RerankMethod method,
        String queryText,
        int topN,
        int timeoutMs,
        String textField,
        RerankEndpoint endpoint,
        Fusion fusion,
        float weight,
        String skipReason) {

    /** Neither the request nor the collection's policy asked for reranking. */
    public static final String REASON_NOT_REQUESTED = "not_requested";

    /** The request said {@code "rerank": false}. */
    public static final String REASON_DISABLED = "disabled_by_request";

    /** Reranking was asked for without a query text (missing or blank). */
    public static final String REASON_NO_QUERY_TEXT = "no_query_text";

    /** The search found no candidates. */
    public static final String REASON_NO_CANDIDATES = "no_candidates";

    /** The reranker did not answer within {@code timeout_ms}. */
    public static final String REASON_TIMEOUT = "timeout";

    /** The reranker failed or answered something unusable. */
    public static final String REASON_ERROR = "error";

    /** The reranker's circuit breaker is open after repeated failures; it is probed later. */
    public static final String REASON_CIRCUIT_OPEN = "circuit_open";

    /**
     * Not a reason for vector order: {@code bm25} reranked, but with the candidates' own term
     * statistics, because some shard's part of the collection's was missing (not ready, too slow,
     * or unable to count a term exactly).
     */
    public static final String REASON_CANDIDATE_IDF = "candidate_idf";

    /** Payload field read for candidate texts when the policy names none. */
    public static final String DEFAULT_TEXT_FIELD = PayloadText.DEFAULT_FIELD;

    /** Query texts up to this many characters rerank the full top-N. */
    public static final int TEXT_CHARS_PER_HALVING = 256;

    /** {@link #effectiveTopN} never shrinks N below this (or below N itself when smaller). */
    public static final int MIN_TOP_N = 10;

    public RerankPlan {
        if (skipReason == null) {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(queryText, "queryText");
            Objects.requireNonNull(textField, "textField");
            Objects.requireNonNull(fusion, "fusion");
            if (topN < 1) {
                throw new IllegalArgumentException("topN must be >= 1, got " + topN);
            }
        }
    }

    /** A plan that does not rerank, for {@code reason}. */
    public static RerankPlan skip(String reason) {
        return new RerankPlan(
                null, null, 0, 0, null, null, null, 0f, Objects.requireNonNull(reason));
    }

    /** Whether the search is reranked. */
    public boolean active() {
        return skipReason == null;
    }

    /**
     * How many candidates to rescore for a query text of {@code textChars} characters: a
     * cross-encoder's cost grows with query length times candidates, so the requested {@code topN}
     * is halved for every further {@value #TEXT_CHARS_PER_HALVING} characters past the first
     * {@value #TEXT_CHARS_PER_HALVING}, never below {@code min(topN, }{@value #MIN_TOP_N}{@code )}.
     * E.g. N = 100: 1–256 chars → 100, 257–512 → 50, 513–768 → 25, longer → 12, then 10.
     */
    public static int effectiveTopN(int topN, int textChars) {
        int halvings = Math.max(0, (textChars - 1) / TEXT_CHARS_PER_HALVING);
        int shrunk = halvings >= 31 ? 0 : topN >> halvings;
        return Math.max(Math.min(topN, MIN_TOP_N), shrunk);
    }
}
