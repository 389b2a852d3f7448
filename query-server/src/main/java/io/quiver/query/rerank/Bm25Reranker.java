package io.quiver.query.rerank;

import io.quiver.schemas.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * BM25 over the candidates' texts, fused with their vector order.
 *
 * <p>The term statistics (document frequency, average length) are the collection's, summed over its
 * shards ({@link CorpusStats}), when given complete: {@code idf(t) = ln(1 + (N - df + 0.5) / (df +
 * 0.5))} with {@code N} the points holding a text (always positive), {@code k1} = {@value #K1},
 * {@code b} = {@value #B}. Without them they are those of the candidate set itself ({@code N} = the
 * candidates): a term rare among the candidates still weighs most, but a term common in the
 * collection and rare among these candidates is over-weighted, and one rare in the collection but
 * common among them under-weighted.
 *
 * <p>Scoring runs on {@code executor}, never on the thread that completed the search.
 */
final class Bm25Reranker implements Reranker {

    /** Term-frequency saturation: the usual value. */
    static final double K1 = 1.2;

    /** Length normalisation: the usual value. */
    static final double B = 0.75;

    private final Fusion fusion;
    private final float weight;
    private final Executor executor;
    private final CorpusStats corpus;

    /**
     * @param corpus the collection's statistics, or null (or incomplete) to use the candidates'
     */
    Bm25Reranker(Fusion fusion, float weight, Executor executor, CorpusStats corpus) {
        this.fusion = fusion;
        this.weight = weight;
        this.executor = executor;
        this.corpus = corpus != null && corpus.complete() ? corpus : null;
    }

    @Override
    public CompletableFuture<float[]> score(String queryText, List<RerankCandidate> candidates) {
        return CompletableFuture.supplyAsync(() -> scoreNow(queryText, candidates), executor);
    }

    /** {@link #score} on the calling thread. */
    float[] scoreNow(String queryText, List<RerankCandidate> candidates) {
        return fuse(bm25(queryText, candidates, corpus), candidates);
    }

    /** Whether scores use the collection's statistics rather than the candidates'. */
    boolean corpusIdf() {
        return corpus != null;
    }

    /** BM25's IDF of a term in {@code df} of {@code n} documents (df clamped to [0, n]). */
    static double idf(long n, long df) {
        double d = Math.max(0, Math.min(df, n));
        return Math.log(1 + (n - d + 0.5) / (d + 0.5));
    }

    /** Each candidate's BM25 score for {@code queryText}, over the candidates' statistics. */
    static double[] bm25(String queryText, List<RerankCandidate> candidates) {
        return bm25(queryText, candidates, null);
    }

    /**
     * Each candidate's BM25 score for {@code queryText}, over {@code corpus} (complete) or, when
     * null, the candidates' statistics.
     */
    static double[] bm25(String queryText, List<RerankCandidate> candidates, CorpusStats corpus) {
        int n = candidates.size();
        Set<String> query = new HashSet<>(Tokenizer.terms(queryText));
        List<Map<String, Integer>> tf = new ArrayList<>(n);
        int[] length = new int[n];
        Map<String, Integer> df = new HashMap<>();
        long total = 0;
        for (int i = 0; i < n; i++) {
            List<String> terms = Tokenizer.terms(candidates.get(i).text());
            length[i] = terms.size();
            total += terms.size();
            Map<String, Integer> counts = new HashMap<>();
            for (String t : terms) {
                if (query.contains(t)) {
                    counts.merge(t, 1, Integer::sum);
                }
            }
            for (String t : counts.keySet()) {
                df.merge(t, 1, Integer::sum);
            }
            tf.add(counts);
        }
        double avgLength =
                corpus != null
                        ? corpus.averageLength()
                        : n == 0 || total == 0 ? 1 : (double) total / n;
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (Map.Entry<String, Integer> e : tf.get(i).entrySet()) {
                double idf = corpus != null ? corpus.idf(e.getKey()) : idf(n, df.get(e.getKey()));
                double f = e.getValue();
                s += idf * f * (K1 + 1) / (f + K1 * (1 - B + B * length[i] / avgLength));
            }
            scores[i] = s;
        }
        return scores;
    }

    /** Fuses BM25 with the vector order (candidates arrive best first). */
    private float[] fuse(double[] lexical, List<RerankCandidate> candidates) {
        int n = lexical.length;
        float[] out = new float[n];
        if (fusion == Fusion.RRF) {
            Integer[] byLexical = new Integer[n];
            for (int i = 0; i < n; i++) {
                byLexical[i] = i;
            }
            Arrays.sort(byLexical, (x, y) -> Double.compare(lexical[y], lexical[x]));
            for (int r = 0; r < n; r++) {
                int i = byLexical[r];
                double s = 1.0 / (Fusion.RRF_K + i + 1);
                if (lexical[i] > 0) {
                    s += 1.0 / (Fusion.RRF_K + r + 1);
                }
                out[i] += (float) s;
            }
            return out;
        }
        double max = 0;
        for (double l : lexical) {
            max = Math.max(max, l);
        }
        // Best first, so the first is 1 and the last 0 whether higher or lower scores are better.
        double best = candidates.get(0).vectorScore();
        double worst = candidates.get(n - 1).vectorScore();
        for (int i = 0; i < n; i++) {
            double vector =
                    best == worst ? 1 : (candidates.get(i).vectorScore() - worst) / (best - worst);
            double text = max > 0 ? lexical[i] / max : 0;
            out[i] = (float) ((1 - weight) * vector + weight * text);
        }
        return out;
    }
}
