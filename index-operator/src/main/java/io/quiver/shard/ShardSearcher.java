package io.quiver.shard;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.schemas.Limits;
import io.quiver.schemas.filter.FilterException;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import io.quiver.schemas.rpc.ShardResult.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@link SearchRequest}s from the shards in a {@link ShardRegistry}, on a search executor
 * (never a Netty event loop, never a Flink task thread).
 *
 * <p>A request with required offsets waits until every asked shard that lives here has applied
 * them: it is re-checked every {@link #RECHECK_MILLIS} ms on a timer, so no thread blocks while
 * waiting, and answered {@code TIMEOUT} for the shards still behind at its deadline. A request with
 * {@code k = 0} is a sync: once the offsets are reached it answers {@code OK} with no hits.
 *
 * <p>A request for several shards (the query server sends one per shard server, carrying every
 * shard that lives there) is split across up to {@code parallelism} search threads, shard by shard
 * in turn, and answered when the last part is done: one thread searching 32 shards one after
 * another made an idle search take 32 shard searches' time.
 */
public final class ShardSearcher {

    private static final Logger LOG = LoggerFactory.getLogger(ShardSearcher.class);

    /** How often a waiting request looks at the applied offsets again. */
    static final long RECHECK_MILLIS = 2;

    /** Largest {@code k} of a search answered on the event loop ({@link #runsInline}). */
    static final int INLINE_MAX_K = 100;

    /**
     * Largest {@code ef} of a search answered on the event loop: an HNSW search visits a few times
     * {@code ef} nodes, so this bounds how long the loop's other connections wait.
     */
    static final int INLINE_MAX_EF = 128;

    private final ShardRegistry registry;
    private final Executor searchExecutor;
    private final ScheduledExecutorService timer;
    private final ShardLookups lookups;
    private final int parallelism;

    /** A searcher that runs each request on one search thread. */
    public ShardSearcher(
            ShardRegistry registry, Executor searchExecutor, ScheduledExecutorService timer) {
        this(registry, searchExecutor, timer, 1);
    }

    /**
     * @param parallelism how many search threads one multi-shard request may use at once, at least
     *     1; the size of {@code searchExecutor}'s pool is the natural choice
     */
    public ShardSearcher(
            ShardRegistry registry,
            Executor searchExecutor,
            ScheduledExecutorService timer,
            int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        }
        this.registry = registry;
        this.searchExecutor = searchExecutor;
        this.timer = timer;
        this.lookups = new ShardLookups(registry, searchExecutor);
        this.parallelism = parallelism;
    }

    /**
     * Whether {@code request} is small enough to answer on the thread that read it (the shard
     * server's event loop) instead of handing it to the search pool and its answer back: one shard,
     * an index search (not {@code exact}, no filter, which may fall back to scanning the shard),
     * {@code k} at most {@value #INLINE_MAX_K} and {@code ef} (the request's, else the collection's
     * default) at most {@value #INLINE_MAX_EF}, and no offsets to wait for (none required, or
     * already applied). Such a search costs about as much as the two thread hand-offs it saves;
     * anything that may take long or wait stays off the event loop. The server answers only the
     * first such search of a read there, so requests that arrive together still spread over the
     * search threads, unless the event loop may run on one CPU only ({@link ShardRequestHandler}).
     */
    boolean runsInline(SearchRequest request) {
        if (request.shards().length != 1
                || request.exactSearch()
                || request.filter().length > 0
                || request.k() > INLINE_MAX_K) {
            return false;
        }
        LiveShard shard = registry.get(request.shards()[0]);
        LiveCollection collection = shard == null ? null : shard.collection(request.collection());
        int ef = request.ef() > 0 || collection == null ? request.ef() : collection.defaultEf();
        return ef <= INLINE_MAX_EF && caughtUp(request);
    }

    /** Point lookups and counts over the same registry, on the same executor. */
    ShardLookups lookups() {
        return lookups;
    }

    /**
     * Searches asynchronously and hands the response to {@code reply} on a search thread. Never
     * throws for a bad request: problems become per-shard {@code ERROR} results.
     */
    public void submit(SearchRequest request, Consumer<SearchResponse> reply) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(request.timeoutMs());
        execute(() -> attempt(request, deadline, reply), request, reply);
    }

    private void attempt(
            SearchRequest request, long deadlineNanos, Consumer<SearchResponse> reply) {
        boolean waiting = !caughtUp(request);
        if (waiting && System.nanoTime() < deadlineNanos) {
            try {
                timer.schedule(
                        () -> execute(() -> attempt(request, deadlineNanos, reply), request, reply),
                        RECHECK_MILLIS,
                        TimeUnit.MILLISECONDS);
                return;
            } catch (RejectedExecutionException e) {
                LOG.debug("shard searcher shutting down; answering without waiting", e);
            }
        }
        answerInParts(request, reply);
    }

    /**
     * As {@link #answer}, with the shards split over up to {@link #parallelism} search threads:
     * this thread takes the first part, the executor the others (or this thread too, when the
     * executor refuses), and whichever finishes last replies.
     */
    private void answerInParts(SearchRequest request, Consumer<SearchResponse> reply) {
        int n = request.shards().length;
        int parts = Math.min(parallelism, n);
        String problem = checkRequest(request);
        if (parts <= 1 || problem != null) {
            reply.accept(answer(request));
            return;
        }
        PayloadFilter filter;
        try {
            filter = request.filter().length > 0 ? PayloadFilter.parse(request.filter()) : null;
        } catch (FilterException e) {
            reply.accept(allFailed(request, Status.ERROR, "invalid filter: " + e.getMessage()));
            return;
        }
        ShardResult[] results = new ShardResult[n];
        // The last decrement publishes every part's results to the thread that replies.
        AtomicInteger left = new AtomicInteger(parts);
        for (int p = 1; p < parts; p++) {
            int part = p;
            Runnable task =
                    () -> {
                        searchPart(part, parts, request, filter, results);
                        if (left.decrementAndGet() == 0) {
                            reply.accept(new SearchResponse(request.requestId(), List.of(results)));
                        }
                    };
            try {
                searchExecutor.execute(task);
            } catch (RejectedExecutionException e) {
                task.run();
            }
        }
        searchPart(0, parts, request, filter, results);
        if (left.decrementAndGet() == 0) {
            reply.accept(new SearchResponse(request.requestId(), List.of(results)));
        }
    }

    /** Searches the request's shards {@code part}, {@code part + parts}, ... into {@code out}. */
    private void searchPart(
            int part, int parts, SearchRequest request, PayloadFilter filter, ShardResult[] out) {
        int[] shards = request.shards();
        for (int i = part; i < shards.length; i += parts) {
            try {
                out[i] = searchShard(shards[i], request, filter);
            } catch (RuntimeException e) {
                // Every slot must be filled, or the request would never be answered.
                LOG.warn("search on shard {} failed", shards[i], e);
                out[i] = ShardResult.failed(shards[i], Status.ERROR, "search failed: " + e);
            }
        }
    }

    private void execute(Runnable task, SearchRequest request, Consumer<SearchResponse> reply) {
        try {
            searchExecutor.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("search executor rejected request {}", request.requestId(), e);
            reply.accept(allFailed(request, Status.ERROR, "shard server is shutting down"));
        }
    }

    /** Whether every asked shard living here has reached the required offsets. */
    private boolean caughtUp(SearchRequest request) {
        if (request.requiredPartitions().length == 0) {
            return true;
        }
        for (int s : request.shards()) {
            LiveShard shard = registry.get(s);
            if (shard != null
                    && shard.ready()
                    && !shard.applied()
                            .covers(request.requiredPartitions(), request.requiredOffsets())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Builds the response from the shards' current state, on the calling thread: a search thread,
     * or the event loop for a request that {@link #runsInline}.
     */
    SearchResponse answer(SearchRequest request) {
        String problem = checkRequest(request);
        if (problem != null) {
            return allFailed(request, Status.ERROR, problem);
        }
        PayloadFilter filter = null;
        if (request.filter().length > 0) {
            try {
                filter = PayloadFilter.parse(request.filter());
            } catch (FilterException e) {
                return allFailed(request, Status.ERROR, "invalid filter: " + e.getMessage());
            }
        }
        List<ShardResult> results = new ArrayList<>(request.shards().length);
        for (int s : request.shards()) {
            results.add(searchShard(s, request, filter));
        }
        return new SearchResponse(request.requestId(), results);
    }

    /**
     * @param filter the request's compiled filter, or null
     */
    private ShardResult searchShard(int s, SearchRequest request, PayloadFilter filter) {
        LiveShard shard = registry.get(s);
        if (shard == null) {
            return ShardResult.failed(s, Status.NOT_HERE, "shard " + s + " is not on this server");
        }
        if (!shard.ready()) {
            return ShardResult.failed(s, Status.RECOVERING, "shard " + s + " is restoring");
        }
        // Read the offsets before searching: the hits contain at least what they promise.
        AppliedOffsets applied = shard.applied();
        if (!applied.covers(request.requiredPartitions(), request.requiredOffsets())) {
            return new ShardResult(
                    s,
                    Status.TIMEOUT,
                    "shard "
                            + s
                            + " had applied "
                            + applied
                            + " when the "
                            + request.timeoutMs()
                            + " ms timeout expired",
                    applied.partitions(),
                    applied.offsets(),
                    null,
                    null,
                    null);
        }
        if (request.k() == 0) {
            // A sync request: the caller only waited for the offsets (read-your-writes).
            return new ShardResult(
                    s, Status.OK, "", applied.partitions(), applied.offsets(), null, null, null);
        }
        LiveCollection collection = shard.collection(request.collection());
        if (collection == null) {
            return new ShardResult(
                    s,
                    Status.UNKNOWN_COLLECTION,
                    "collection '" + request.collection() + "' is unknown to shard " + s,
                    applied.partitions(),
                    applied.offsets(),
                    null,
                    null,
                    null);
        }
        int dimension = collection.index().dimension();
        if (request.vector().length != dimension) {
            return ShardResult.failed(
                    s,
                    Status.ERROR,
                    "query vector has "
                            + request.vector().length
                            + " dimensions, collection '"
                            + request.collection()
                            + "' expects "
                            + dimension);
        }
        try {
            int ef = request.ef() > 0 ? request.ef() : collection.defaultEf();
            long started = System.nanoTime();
            SearchHits hits =
                    request.exactSearch()
                            ? collection.exactSearch(request.vector(), request.k(), filter)
                            : collection.search(request.vector(), request.k(), ef, filter);
            shard.countSearch(System.nanoTime() - started);
            String[] ids = new String[hits.size()];
            float[] scores = new float[hits.size()];
            byte[][] payloads = new byte[hits.size()][];
            float[][] vectors = request.withVector() ? new float[hits.size()][] : null;
            for (int i = 0; i < ids.length; i++) {
                ids[i] = hits.id(i);
                scores[i] = hits.score(i);
                payloads[i] = request.withPayload() ? collection.payload(ids[i]) : null;
                if (vectors != null) {
                    vectors[i] = collection.vector(ids[i]);
                }
            }
            if (request.exactScores() && !request.exactSearch()) {
                rescore(collection, request.vector(), ids, scores, payloads, vectors);
            }
            return new ShardResult(
                    s,
                    Status.OK,
                    "",
                    applied.partitions(),
                    applied.offsets(),
                    ids,
                    scores,
                    payloads,
                    vectors);
        } catch (RuntimeException e) {
            LOG.warn("search on shard {} collection '{}' failed", s, request.collection(), e);
            return ShardResult.failed(s, Status.ERROR, "search failed: " + e);
        }
    }

    /** Replaces the index scores by exact float32 ones and reorders every array by them. */
    private static void rescore(
            LiveCollection collection,
            float[] query,
            String[] ids,
            float[] scores,
            byte[][] payloads,
            float[][] vectors) {
        Metric metric = collection.index().metric();
        float selfDot = ExactScores.selfDot(metric, query);
        boolean[] missing = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) {
            float[] v = collection.vector(ids[i]);
            missing[i] = v == null;
            if (v != null) {
                scores[i] = ExactScores.score(metric, query, selfDot, v);
            }
        }
        Integer[] order = ExactScores.order(metric, ids, scores, missing);
        String[] ids0 = ids.clone();
        float[] scores0 = scores.clone();
        byte[][] payloads0 = payloads.clone();
        float[][] vectors0 = vectors == null ? null : vectors.clone();
        for (int r = 0; r < order.length; r++) {
            int i = order[r];
            ids[r] = ids0[i];
            scores[r] = scores0[i];
            payloads[r] = payloads0[i];
            if (vectors != null) {
                vectors[r] = vectors0[i];
            }
        }
    }

    private static String checkRequest(SearchRequest request) {
        if (request.k() < 0 || request.k() > Limits.MAX_SEARCH_LIMIT) {
            return "k must be between 0 and " + Limits.MAX_SEARCH_LIMIT + ", got " + request.k();
        }
        for (float f : request.vector()) {
            if (!Float.isFinite(f)) {
                return "query vector has a non-finite component";
            }
        }
        return null;
    }

    private static SearchResponse allFailed(SearchRequest request, Status status, String message) {
        List<ShardResult> results = new ArrayList<>(request.shards().length);
        for (int s : request.shards()) {
            results.add(ShardResult.failed(s, status, message));
        }
        return new SearchResponse(request.requestId(), results);
    }
}
