package io.quiver.shard;

import io.quiver.schemas.rpc.TermStatsResponse;
import io.quiver.schemas.text.PayloadText;
import io.quiver.schemas.text.Tokenizer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * BM25 statistics of one payload text field over one collection's points in one shard: how many
 * points have a non-empty text there ({@link #docs()}), their total number of terms (for the
 * average length) and, per term, how many of them contain it. The query server sums these over all
 * shards, so a term's IDF is that of the whole collection.
 *
 * <p>Derived, never stored, and kept only for a collection whose rerank policy is bm25: {@link
 * LiveCollection} feeds every upsert, replacement and delete through {@link #add} and {@link
 * #remove}, and a restore, a spec turning bm25 on or a change of the text field builds the table
 * from the points, so it is exact after every restart.
 *
 * <p>Memory is bounded by {@code maxTerms} distinct terms (about 100 bytes each plus the term's
 * characters). Once a text would add a term past the bound, the table stops taking new terms for
 * good (until it is rebuilt): the frequencies of terms it already holds stay exact, any other term
 * is answered {@link TermStatsResponse#UNKNOWN} — never a made-up count — and the query server
 * falls back to candidate-set IDF for queries holding one. Point and term totals stay exact.
 *
 * <p>One writer (the index task thread); shard server threads read concurrently. A reader may see
 * the totals and a term's count a point apart, as it may see a point's vector and payload.
 */
public final class TermStatistics {

    /**
     * Distinct terms kept per shard and collection by default: a few tens of MiB at most, room for
     * the vocabulary of a shard holding some hundred thousand short English documents.
     */
    public static final int DEFAULT_MAX_TERMS = 200_000;

    private final String field;
    private final int maxTerms;
    private final ConcurrentHashMap<String, Integer> docFreqs = new ConcurrentHashMap<>();
    private final AtomicLong docs = new AtomicLong();
    private final AtomicLong totalTerms = new AtomicLong();
    private volatile boolean full;

    /**
     * @param field the payload field whose text is counted
     * @param maxTerms the most distinct terms kept, at least 1
     */
    public TermStatistics(String field, int maxTerms) {
        if (maxTerms < 1) {
            throw new IllegalArgumentException("maxTerms must be >= 1, got " + maxTerms);
        }
        this.field = field;
        this.maxTerms = maxTerms;
    }

    /** The payload field counted. */
    public String field() {
        return field;
    }

    /** Writer only: counts a point with {@code payload} (JSON bytes or null). */
    public void add(byte[] payload) {
        String text = PayloadText.text(payload, field);
        if (text.isEmpty()) {
            return;
        }
        List<String> terms = Tokenizer.terms(text);
        docs.incrementAndGet();
        totalTerms.addAndGet(terms.size());
        for (String t : distinct(terms)) {
            if (!full && docFreqs.size() >= maxTerms && !docFreqs.containsKey(t)) {
                full = true;
            }
            if (full) {
                // Only terms already held are counted on: a term first seen now would be counted
                // from here on only, and answered as if it were rarer than it is.
                docFreqs.computeIfPresent(t, (k, n) -> n + 1);
            } else {
                docFreqs.merge(t, 1, Integer::sum);
            }
        }
    }

    /**
     * Writer only: uncounts a point that had {@code payload} (as it was counted by {@link #add}).
     */
    public void remove(byte[] payload) {
        String text = PayloadText.text(payload, field);
        if (text.isEmpty()) {
            return;
        }
        List<String> terms = Tokenizer.terms(text);
        docs.decrementAndGet();
        totalTerms.addAndGet(-terms.size());
        for (String t : distinct(terms)) {
            docFreqs.computeIfPresent(t, (k, n) -> n == 1 ? null : n - 1);
        }
    }

    private static Set<String> distinct(List<String> terms) {
        return new HashSet<>(terms);
    }

    /** Points with a non-empty text in the field. */
    public long docs() {
        return docs.get();
    }

    /** Terms over all those texts. */
    public long totalTerms() {
        return totalTerms.get();
    }

    /** Distinct terms held. */
    public int terms() {
        return docFreqs.size();
    }

    /** Whether the table stopped taking new terms. */
    public boolean full() {
        return full;
    }

    /**
     * How many counted points contain {@code term}: exact, or {@link TermStatsResponse#UNKNOWN}
     * when the table is full and does not hold it.
     */
    public long docFreq(String term) {
        Integer n = docFreqs.get(term);
        if (n != null) {
            return n;
        }
        return full ? TermStatsResponse.UNKNOWN : 0;
    }

    /** Rough heap bytes of the table. */
    public long ramBytesUsed() {
        long bytes = 64;
        for (String t : docFreqs.keySet()) {
            bytes += 96 + t.length();
        }
        return bytes;
    }
}
