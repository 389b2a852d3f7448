package io.quiver.query.rerank;

import java.util.Map;

/**
 * BM25 statistics of a collection's text field summed over all its shards, for the terms of one
 * query text; or, when some shard's part is missing, why ({@link #missing()}), in which case BM25
 * falls back to the candidates' own statistics.
 *
 * @param docs points with a non-empty text in the field
 * @param totalTerms terms over all those texts
 * @param docFreqs per query term, how many of those points contain it
 * @param missing null when complete, else why the statistics cannot be used
 */
public record CorpusStats(long docs, long totalTerms, Map<String, Long> docFreqs, String missing) {

    public CorpusStats {
        docFreqs = Map.copyOf(docFreqs);
    }

    /** Statistics that cannot be used, because of {@code why}. */
    public static CorpusStats unavailable(String why) {
        return new CorpusStats(0, 0, Map.of(), why);
    }

    /** Whether every shard contributed exactly. */
    public boolean complete() {
        return missing == null;
    }

    /**
     * BM25's {@code idf = ln(1 + (N - df + 0.5) / (df + 0.5))} over the collection; always
     * positive. A term the statistics did not count (a point written since) counts as in no point;
     * a frequency above N (the counts were read a write apart) counts as N.
     */
    public double idf(String term) {
        return Bm25Reranker.idf(docs, docFreqs.getOrDefault(term, 0L));
    }

    /** The collection's average text length in terms, at least 1. */
    public double averageLength() {
        return docs == 0 ? 1 : Math.max(1, (double) totalTerms / docs);
    }
}
