package io.quiver.query.rerank;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/** Where {@link Reranking} gets the collection-wide BM25 statistics of a query's terms. */
@FunctionalInterface
public interface TermStatsSource {

    /**
     * The statistics of {@code collection}'s payload {@code field} for {@code terms}, summed over
     * every shard. Completes within about {@code timeoutMs}, never exceptionally: statistics that
     * some shard could not give complete as {@link CorpusStats#unavailable}.
     */
    CompletableFuture<CorpusStats> fetch(
            String collection, String field, Collection<String> terms, long timeoutMs);
}
