package io.quiver.schemas.rpc;

import java.util.List;
import java.util.Objects;

/**
 * Asks a shard server, for each of {@code shards}, the BM25 statistics of {@code collection}'s
 * payload text {@code field}: how many points have it, their total term count, and the document
 * frequency of each of {@code terms} (terms as {@code io.quiver.schemas.text.Tokenizer} makes
 * them). Answered with a {@link TermStatsResponse}.
 *
 * @param terms distinct terms, at most {@value #MAX_TERMS}
 */
public record TermStatsRequest(
        long requestId, String collection, int[] shards, String field, List<String> terms) {

    /** A query text is at most 8,192 characters, so it holds at most this many terms. */
    public static final int MAX_TERMS = 4096;

    public TermStatsRequest {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(shards, "shards");
        Objects.requireNonNull(field, "field");
        terms = List.copyOf(terms);
        if (terms.size() > MAX_TERMS) {
            throw new IllegalArgumentException(
                    "at most " + MAX_TERMS + " terms per request, got " + terms.size());
        }
    }
}
