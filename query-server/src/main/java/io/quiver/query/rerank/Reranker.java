package io.quiver.query.rerank;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Rescores a search's top-N candidates against a query text.
 *
 * <p>Implementations never block the calling thread: the answer comes through the future. A
 * reranker may fail (the future completes exceptionally) or be slow; the caller ({@link Reranking})
 * bounds it with the policy's timeout and answers in vector order instead, so a reranker never has
 * to handle its own fallback.
 */
public interface Reranker {

    /**
     * Scores every candidate.
     *
     * @param queryText the query text, never blank
     * @param candidates the top-N vector hits, best first
     * @return one score per candidate, in the candidates' order, higher is better; the candidates
     *     are reordered by it
     */
    CompletableFuture<float[]> score(String queryText, List<RerankCandidate> candidates);

    /**
     * An external cross-encoder at {@code endpoint}, called asynchronously through {@code client}.
     * The answer must hold a finite score for every index it names; candidates it leaves out
     * (Cohere with {@code top_n}) rank after those it scored. {@code timeout} bounds each HTTP
     * exchange, so an abandoned call does not linger after its search answered.
     */
    static Reranker http(HttpClient client, RerankEndpoint endpoint, Duration timeout) {
        return new HttpReranker(client, endpoint, timeout);
    }

    /**
     * BM25 over the candidates' texts with the candidates' own term statistics, fused with the
     * vector order by {@code fusion}; {@code weight} is the lexical share of {@link
     * Fusion#WEIGHTED} (0 to 1). Scores on {@code executor}.
     */
    static Reranker bm25(Fusion fusion, float weight, Executor executor) {
        return new Bm25Reranker(fusion, weight, executor, null);
    }

    /**
     * Like {@link #bm25(Fusion, float, Executor)} with the collection's term statistics {@code
     * corpus} when complete (the candidates' own otherwise).
     */
    static Reranker bm25(Fusion fusion, float weight, Executor executor, CorpusStats corpus) {
        return new Bm25Reranker(fusion, weight, executor, corpus);
    }
}
