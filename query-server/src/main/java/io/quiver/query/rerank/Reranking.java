package io.quiver.query.rerank;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.search.Hit;
import io.quiver.schemas.text.PayloadText;
import io.quiver.schemas.text.Tokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link RerankPlan} over a search's merged hits: picks the reranker, bounds it by the
 * plan's timeout, and falls back to vector order with a reason on timeout, error or an open
 * circuit. Never fails: the returned future always completes normally, within the timeout plus
 * scheduling slack.
 *
 * <p>Every external endpoint has its own circuit breaker: when at least the failure rate (default
 * half) of its last {@value #BREAKER_WINDOW} calls (and at least {@value #BREAKER_MIN_CALLS})
 * failed or timed out, it stops being called for the open duration (default 10 s), then lets
 * {@value #BREAKER_PROBES} probe calls through, closing again when they succeed.
 *
 * <p>Scores of an external reranker are cached per (URL, query text, point id, text) for the cache
 * TTL (default 10 minutes, see {@link ScoreCache}); only the candidates missing from the cache are
 * sent, and a search whose candidates are all cached makes no call. BM25 scores are not cached:
 * they depend on the whole candidate set and on the collection's statistics.
 *
 * <p>BM25 uses the collection's term statistics when a {@link TermStatsSource} is configured: the
 * search handler asks for them ({@link #termStats}) when the search starts, so the shards count the
 * query's terms while they search, and {@link #rerank(String, RerankPlan, List, CompletableFuture)}
 * waits for them at most half the plan's timeout more. Statistics that are missing (a shard not
 * ready or too slow, a term it cannot count) make BM25 use the candidates' own statistics: still
 * reranked, with reason {@value RerankPlan#REASON_CANDIDATE_IDF}.
 *
 * <p>Warm-up: searches reranked by an external reranker are counted per (collection, query text) in
 * a bounded sketch ({@link RecentQueries}). Every tenth of the TTL a background thread (started by
 * the first such search) takes the few most frequent ones seen at least twice and, when a cached
 * score of the candidates they were last reranked with is missing or within a fifth of the TTL of
 * expiring, asks the reranker for those candidates again, so the next search finds them cached.
 * Counts halve once per TTL, so the frequency that matters is recent. Bounded work: at most {@link
 * RerankSettings#warmupQueries()} calls of at most {@code top_n} candidates per round, each through
 * the endpoint's breaker and timeout. Searches that are not reranked never reach any of this.
 *
 * <p>Thread-safe; one per server; {@link #close()} stops the warm-up thread.
 */
public final class Reranking implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Reranking.class);

    static final int BREAKER_WINDOW = 20;
    static final int BREAKER_MIN_CALLS = 5;
    static final int BREAKER_PROBES = 2;

    /** How long a tripped breaker stays open before probing, by default. */
    public static final Duration DEFAULT_OPEN_DURATION =
            RerankSettings.DEFAULT_BREAKER_OPEN_DURATION;

    /** The warm-up leaves queries seen once alone: one-off queries are most queries. */
    static final int WARMUP_MIN_COUNT = 2;

    /** Counts halve every this many warm-up rounds, once per TTL: frequency is per recent TTL. */
    static final int DECAY_ROUNDS = 10;

    private final HttpClient client;
    private final QueryMetrics metrics;
    private final RerankSettings settings;
    private final CircuitBreakerConfig breakerConfig;
    private final ConcurrentMap<URI, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final ScoreCache scoreCache;
    private final RecentQueries recent = new RecentQueries(RecentQueries.DEFAULT_CAPACITY);
    private final AtomicBoolean warmupStarted = new AtomicBoolean();
    private final TermStatsSource termStats;

    /** Rounds run one at a time (one thread, or a test calling {@link #warmUp()}). */
    private int warmupRounds;

    private volatile ScheduledExecutorService warmupThread;
    private volatile boolean closed;

    /**
     * @param client the HTTP client for external rerankers (asynchronous), or null for the shared
     *     one
     * @param metrics where outcomes are counted
     * @param openDuration how long a tripped circuit breaker refuses calls before probing
     */
    public Reranking(HttpClient client, QueryMetrics metrics, Duration openDuration) {
        this(client, metrics, RerankSettings.defaults().withBreakerOpenDuration(openDuration));
    }

    /**
     * @param client the HTTP client for external rerankers (asynchronous), or null for the shared
     *     one
     * @param metrics where outcomes are counted
     * @param settings score cache, breaker and warm-up settings
     */
    public Reranking(HttpClient client, QueryMetrics metrics, RerankSettings settings) {
        this(client, metrics, settings, null);
    }

    /**
     * @param client the HTTP client for external rerankers (asynchronous), or null for the shared
     *     one
     * @param metrics where outcomes are counted
     * @param settings score cache, breaker and warm-up settings
     * @param termStats where BM25 gets the collection's term statistics, or null to use the
     *     candidates' own always
     */
    public Reranking(
            HttpClient client,
            QueryMetrics metrics,
            RerankSettings settings,
            TermStatsSource termStats) {
        this.termStats = termStats;
        this.client = client;
        this.metrics = metrics;
        this.settings = settings;
        this.scoreCache =
                new ScoreCache(settings.cacheMaxEntries(), settings.cacheTtl(), settings.ticker());
        this.breakerConfig =
                CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(BREAKER_WINDOW)
                        .minimumNumberOfCalls(BREAKER_MIN_CALLS)
                        .failureRateThreshold(settings.breakerFailureRatePercent())
                        .waitDurationInOpenState(settings.breakerOpenDuration())
                        .permittedNumberOfCallsInHalfOpenState(BREAKER_PROBES)
                        .recordExceptions(Throwable.class)
                        .build();
    }

    /**
     * Reranking with the process-wide HTTP client (created on first use, so servers that never call
     * an external reranker start no client threads) and default settings.
     */
    public static Reranking create(QueryMetrics metrics) {
        return create(metrics, RerankSettings.defaults());
    }

    /** Like {@link #create(QueryMetrics)} with the given settings. */
    public static Reranking create(QueryMetrics metrics, RerankSettings settings) {
        return new Reranking(null, metrics, settings);
    }

    /** Like {@link #create(QueryMetrics, RerankSettings)}, BM25 with the collection's IDF. */
    public static Reranking create(
            QueryMetrics metrics, RerankSettings settings, TermStatsSource termStats) {
        return new Reranking(null, metrics, settings, termStats);
    }

    /**
     * Starts fetching the collection-wide statistics of the query text's terms for a {@code bm25}
     * plan, bounded by {@code timeoutMs} and the plan's timeout; null for any other plan or when no
     * source is configured. Call it when the search starts, so both run together.
     */
    public CompletableFuture<CorpusStats> termStats(
            String collection, RerankPlan plan, long timeoutMs) {
        if (termStats == null || !plan.active() || plan.method() != RerankMethod.BM25) {
            return null;
        }
        try {
            return termStats.fetch(
                    collection,
                    plan.textField(),
                    new LinkedHashSet<>(Tokenizer.terms(plan.queryText())),
                    Math.max(1, Math.min(timeoutMs, plan.timeoutMs())));
        } catch (RuntimeException e) {
            LOG.warn("Cannot ask for term statistics of collection '{}'", collection, e);
            return CompletableFuture.completedFuture(CorpusStats.unavailable(e.toString()));
        }
    }

    /** The settings this reranking runs with. */
    public RerankSettings settings() {
        return settings;
    }

    /** Holds the shared client; the JVM initialises it on first access. */
    private static final class SharedClient {
        static final HttpClient CLIENT =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();
    }

    /**
     * Reranks the best {@code plan.topN()} of {@code hits} (best first, in vector order); the rest
     * keep their order after them.
     */
    public CompletableFuture<RerankResult> rerank(RerankPlan plan, List<Hit> hits) {
        return rerank(null, plan, hits);
    }

    /**
     * Like {@link #rerank(RerankPlan, List)}, counting the query text per {@code collection} for
     * the cache warm-up.
     */
    public CompletableFuture<RerankResult> rerank(
            String collection, RerankPlan plan, List<Hit> hits) {
        return rerank(collection, plan, hits, null);
    }

    /**
     * Like {@link #rerank(String, RerankPlan, List)}; a {@code bm25} plan uses {@code corpus} (from
     * {@link #termStats}; null for the candidates' own statistics).
     */
    public CompletableFuture<RerankResult> rerank(
            String collection,
            RerankPlan plan,
            List<Hit> hits,
            CompletableFuture<CorpusStats> corpus) {
        if (!plan.active()) {
            return CompletableFuture.completedFuture(
                    RerankResult.vectorOrder(hits, plan.skipReason()));
        }
        if (hits.isEmpty()) {
            return CompletableFuture.completedFuture(
                    RerankResult.vectorOrder(hits, RerankPlan.REASON_NO_CANDIDATES));
        }
        if (plan.method() == RerankMethod.EXACT) {
            return CompletableFuture.completedFuture(exact(hits));
        }
        String method = plan.method().wireName();
        List<RerankCandidate> candidates = candidates(plan, hits);
        if (plan.method() == RerankMethod.BM25) {
            return bm25(plan, hits, candidates, corpus);
        }
        if (plan.endpoint() != null && warmupEnabled()) {
            recent.record(collection, plan, candidates);
            startWarmup();
        }
        Pending pending = pending(plan, candidates);
        if (pending.ask.isEmpty()) {
            metrics.rerank(method, "ok");
            return CompletableFuture.completedFuture(reorder(hits, pending.known));
        }
        CircuitBreaker breaker = breaker(plan);
        if (breaker != null && !breaker.tryAcquirePermission()) {
            metrics.rerank(method, RerankPlan.REASON_CIRCUIT_OPEN);
            return CompletableFuture.completedFuture(
                    RerankResult.vectorOrder(hits, RerankPlan.REASON_CIRCUIT_OPEN));
        }
        return call(plan, pending.ask, breaker)
                .handle(
                        (scores, error) -> {
                            if (error != null) {
                                return fallback(plan, hits, error);
                            }
                            metrics.rerank(method, "ok");
                            return reorder(hits, pending.complete(plan, scores, scoreCache));
                        });
    }

    /**
     * Asks the plan's reranker to score {@code ask} within the plan's timeout, and tells the
     * breaker (if any) how it went. Fails for an error, a timeout or an answer of the wrong length.
     */
    private CompletableFuture<float[]> call(
            RerankPlan plan, List<RerankCandidate> ask, CircuitBreaker breaker) {
        long start = System.nanoTime();
        CompletableFuture<float[]> scoring;
        try {
            scoring = reranker(plan).score(plan.queryText(), ask);
        } catch (RuntimeException e) {
            scoring = CompletableFuture.failedFuture(e);
        }
        return scoring.orTimeout(plan.timeoutMs(), TimeUnit.MILLISECONDS)
                .handle(
                        (scores, error) -> {
                            long nanos = System.nanoTime() - start;
                            if (error == null && scores.length != ask.size()) {
                                error =
                                        new RerankerException(
                                                scores.length
                                                        + " scores for "
                                                        + ask.size()
                                                        + " candidates");
                            }
                            if (error != null) {
                                if (breaker != null) {
                                    breaker.onError(nanos, TimeUnit.NANOSECONDS, error);
                                }
                                throw error instanceof CompletionException
                                        ? (CompletionException) error
                                        : new CompletionException(error);
                            }
                            if (breaker != null) {
                                breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
                            }
                            return scores;
                        });
    }

    /**
     * BM25 within the plan's timeout, once the collection's statistics came (or half the timeout
     * passed: then with the candidates' own, flagged). Without {@code corpus} (no source
     * configured) the candidates' own, unflagged: that is the configuration, not a fallback.
     */
    private CompletableFuture<RerankResult> bm25(
            RerankPlan plan,
            List<Hit> hits,
            List<RerankCandidate> candidates,
            CompletableFuture<CorpusStats> corpus) {
        CompletableFuture<CorpusStats> ready =
                corpus == null
                        ? CompletableFuture.completedFuture(null)
                        : corpus.copy()
                                .completeOnTimeout(
                                        CorpusStats.unavailable("term statistics too slow"),
                                        Math.max(1, plan.timeoutMs() / 2),
                                        TimeUnit.MILLISECONDS)
                                .exceptionally(e -> CorpusStats.unavailable(e.toString()));
        return ready.thenApplyAsync(
                        stats -> {
                            Bm25Reranker r =
                                    new Bm25Reranker(
                                            plan.fusion(),
                                            plan.weight(),
                                            ForkJoinPool.commonPool(),
                                            stats);
                            return new Bm25Scores(
                                    r.scoreNow(plan.queryText(), candidates),
                                    stats == null || r.corpusIdf() ? null : stats.missing());
                        },
                        ForkJoinPool.commonPool())
                .orTimeout(plan.timeoutMs(), TimeUnit.MILLISECONDS)
                .handle(
                        (scored, error) -> {
                            if (error != null) {
                                return fallback(plan, hits, error);
                            }
                            String missing = scored.missing();
                            RerankResult ranked = reorder(hits, scored.scores());
                            if (missing == null) {
                                metrics.rerank(RerankMethod.BM25.wireName(), "ok");
                                return ranked;
                            }
                            LOG.debug("BM25 with candidate-set IDF: {}", missing);
                            metrics.rerank(
                                    RerankMethod.BM25.wireName(), RerankPlan.REASON_CANDIDATE_IDF);
                            return new RerankResult(
                                    ranked.hits(),
                                    ranked.rerankScores(),
                                    true,
                                    RerankPlan.REASON_CANDIDATE_IDF);
                        });
    }

    /** BM25 scores and, when they used the candidates' statistics, why. */
    private record Bm25Scores(float[] scores, String missing) {}

    private boolean warmupEnabled() {
        return settings.warmupQueries() > 0 && settings.cacheMaxEntries() > 0;
    }

    private void startWarmup() {
        if (closed || !warmupStarted.compareAndSet(false, true)) {
            return;
        }
        ScheduledExecutorService thread =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "quiver-rerank-warmup");
                            t.setDaemon(true);
                            return t;
                        });
        long every = Math.max(1, settings.warmupInterval().toMillis());
        thread.scheduleWithFixedDelay(this::warmUpRound, every, every, TimeUnit.MILLISECONDS);
        warmupThread = thread;
    }

    private void warmUpRound() {
        try {
            warmUp().join();
        } catch (RuntimeException e) {
            // A round that failed is retried at the next one; the breaker has counted it.
            LOG.debug("Rerank cache warm-up round failed: {}", e.toString());
        }
    }

    /**
     * One warm-up round: rescored again are the candidates of the most frequent recent query texts
     * whose cached scores are missing or near expiry. Completes with how many query texts were
     * rescored; never exceptionally for a reranker's failure.
     */
    CompletableFuture<Integer> warmUp() {
        List<CompletableFuture<Boolean>> calls = new ArrayList<>();
        for (RecentQueries.Entry e : recent.top(settings.warmupQueries())) {
            if (e.count < WARMUP_MIN_COUNT) {
                break;
            }
            RerankPlan plan = e.plan;
            URI uri = plan.endpoint().uri();
            if (scoreCache.fresh(uri, plan.queryText(), e.candidates, settings.refreshAhead())) {
                continue;
            }
            CircuitBreaker breaker = breaker(plan);
            if (!breaker.tryAcquirePermission()) {
                continue;
            }
            calls.add(refresh(plan, e.candidates, breaker));
        }
        if (++warmupRounds % DECAY_ROUNDS == 0) {
            recent.decay();
        }
        return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]))
                .thenApply(
                        done -> {
                            int refreshed = 0;
                            for (CompletableFuture<Boolean> c : calls) {
                                refreshed += c.join() ? 1 : 0;
                            }
                            return refreshed;
                        });
    }

    private CompletableFuture<Boolean> refresh(
            RerankPlan plan, List<RerankCandidate> candidates, CircuitBreaker breaker) {
        return call(plan, candidates, breaker)
                .handle(
                        (scores, error) -> {
                            if (error != null) {
                                LOG.debug(
                                        "Rerank cache warm-up of {} failed: {}",
                                        where(plan),
                                        error.toString());
                                return false;
                            }
                            URI uri = plan.endpoint().uri();
                            for (int j = 0; j < scores.length; j++) {
                                scoreCache.put(uri, plan.queryText(), candidates.get(j), scores[j]);
                            }
                            return true;
                        });
    }

    /** Stops the warm-up thread; reranking itself keeps working. */
    @Override
    public void close() {
        closed = true;
        ScheduledExecutorService thread = warmupThread;
        if (thread != null) {
            thread.shutdownNow();
        }
    }

    /** The best {@code plan.topN()} hits with the text the method reads. */
    private static List<RerankCandidate> candidates(RerankPlan plan, List<Hit> hits) {
        int n = Math.min(plan.topN(), hits.size());
        List<RerankCandidate> candidates = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Hit h = hits.get(i);
            candidates.add(
                    new RerankCandidate(
                            h.id(),
                            h.score(),
                            plan.method().needsText() ? text(h, plan.textField()) : ""));
        }
        return candidates;
    }

    /**
     * Splits the candidates of an external reranker into those with a cached score and those to
     * ask; any other method asks for all.
     */
    private Pending pending(RerankPlan plan, List<RerankCandidate> candidates) {
        int n = candidates.size();
        float[] known = new float[n];
        Arrays.fill(known, Float.NaN);
        if (plan.endpoint() == null) {
            return new Pending(known, null, candidates);
        }
        URI uri = plan.endpoint().uri();
        List<RerankCandidate> ask = new ArrayList<>(n);
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            known[i] = scoreCache.get(uri, plan.queryText(), candidates.get(i));
            if (Float.isNaN(known[i])) {
                positions[ask.size()] = i;
                ask.add(candidates.get(i));
            }
        }
        metrics.rerankCache(n - ask.size(), ask.size());
        return new Pending(known, positions, ask);
    }

    /**
     * One rerank's scores: those already known (cached) and the candidates still to ask, with their
     * places among all candidates (null when every candidate is asked).
     */
    private static final class Pending {
        final float[] known;
        final int[] positions;
        final List<RerankCandidate> ask;

        Pending(float[] known, int[] positions, List<RerankCandidate> ask) {
            this.known = known;
            this.positions = positions;
            this.ask = ask;
        }

        /**
         * Every candidate's score once {@code scores} of the asked ones came (cached if external).
         */
        float[] complete(RerankPlan plan, float[] scores, ScoreCache cache) {
            if (positions == null) {
                return scores;
            }
            URI uri = plan.endpoint().uri();
            for (int j = 0; j < scores.length; j++) {
                known[positions[j]] = scores[j];
                cache.put(uri, plan.queryText(), ask.get(j), scores[j]);
            }
            return known;
        }
    }

    private RerankResult fallback(RerankPlan plan, List<Hit> hits, Throwable error) {
        Throwable cause = error instanceof CompletionException ? error.getCause() : error;
        String reason =
                cause instanceof TimeoutException
                        ? RerankPlan.REASON_TIMEOUT
                        : RerankPlan.REASON_ERROR;
        metrics.rerank(plan.method().wireName(), reason);
        if (reason.equals(RerankPlan.REASON_ERROR)) {
            LOG.warn(
                    "Reranker {} failed, answering in vector order: {}",
                    where(plan),
                    cause.toString());
        } else {
            LOG.debug("Not reranked by {}: {}", where(plan), reason);
        }
        return RerankResult.vectorOrder(hits, reason);
    }

    private static String where(RerankPlan plan) {
        return plan.endpoint() != null
                ? plan.endpoint().uri().toString()
                : plan.method().wireName();
    }

    private Reranker reranker(RerankPlan plan) {
        switch (plan.method()) {
            case HTTP:
                // A little past the search's own bound: the search has answered by then.
                return Reranker.http(
                        client != null ? client : SharedClient.CLIENT,
                        plan.endpoint(),
                        Duration.ofMillis(plan.timeoutMs() + 100L));
            default:
                throw new IllegalStateException(
                        "rerank method '" + plan.method().wireName() + "' has no reranker");
        }
    }

    private CircuitBreaker breaker(RerankPlan plan) {
        if (plan.endpoint() == null) {
            return null;
        }
        return breakers.computeIfAbsent(
                plan.endpoint().uri(), uri -> CircuitBreaker.of("reranker " + uri, breakerConfig));
    }

    /**
     * The {@code exact} method: the shards were asked for exact float32 scores of their candidates
     * and the merge already ordered them, so every hit's score is its rerank score.
     */
    private RerankResult exact(List<Hit> hits) {
        float[] scores = new float[hits.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = hits.get(i).score();
        }
        metrics.rerank(RerankMethod.EXACT.wireName(), "ok");
        return new RerankResult(hits, scores, true, null);
    }

    /** The rescored top-N by score descending (ties keep vector order), then the rest. */
    static RerankResult reorder(List<Hit> hits, float[] scores) {
        int n = scores.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores[i]));
        List<Hit> out = new ArrayList<>(hits.size());
        float[] outScores = new float[hits.size()];
        for (int r = 0; r < n; r++) {
            out.add(hits.get(order[r]));
            outScores[r] = scores[order[r]];
        }
        for (int i = n; i < hits.size(); i++) {
            out.add(hits.get(i));
            outScores[i] = Float.NaN;
        }
        return new RerankResult(out, outScores, true, null);
    }

    /** The payload's {@code field} as text: a string as is, other values as JSON, "" if absent. */
    static String text(Hit hit, String field) {
        return PayloadText.text(hit.payload(), field);
    }
}
