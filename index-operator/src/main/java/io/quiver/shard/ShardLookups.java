package io.quiver.shard;

import io.quiver.schemas.filter.FilterException;
import io.quiver.schemas.rpc.CountRequest;
import io.quiver.schemas.rpc.CountResponse;
import io.quiver.schemas.rpc.GetPointRequest;
import io.quiver.schemas.rpc.GetPointResponse;
import io.quiver.schemas.rpc.ShardResult.Status;
import io.quiver.schemas.rpc.TermStatsRequest;
import io.quiver.schemas.rpc.TermStatsResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers point lookups ({@link GetPointRequest}), exact counts ({@link CountRequest}) and BM25
 * term statistics ({@link TermStatsRequest}) from the shards in a {@link ShardRegistry}, on the
 * search executor. They read what the shard has applied now (no wait for offsets). Never throws for
 * a bad request: problems become {@code ERROR} answers.
 */
final class ShardLookups {

    private static final Logger LOG = LoggerFactory.getLogger(ShardLookups.class);

    private final ShardRegistry registry;
    private final Executor executor;

    ShardLookups(ShardRegistry registry, Executor executor) {
        this.registry = registry;
        this.executor = executor;
    }

    void submit(GetPointRequest request, Consumer<GetPointResponse> reply) {
        try {
            executor.execute(() -> reply.accept(get(request)));
        } catch (RejectedExecutionException e) {
            LOG.debug("search executor rejected request {}", request.requestId(), e);
            reply.accept(
                    GetPointResponse.failed(
                            request.requestId(),
                            request.shard(),
                            Status.ERROR,
                            "shard server is shutting down"));
        }
    }

    void submit(CountRequest request, Consumer<CountResponse> reply) {
        try {
            executor.execute(() -> reply.accept(count(request)));
        } catch (RejectedExecutionException e) {
            LOG.debug("search executor rejected request {}", request.requestId(), e);
            reply.accept(allFailed(request, Status.ERROR, "shard server is shutting down"));
        }
    }

    void submit(TermStatsRequest request, Consumer<TermStatsResponse> reply) {
        try {
            executor.execute(() -> reply.accept(termStats(request)));
        } catch (RejectedExecutionException e) {
            LOG.debug("search executor rejected request {}", request.requestId(), e);
            List<TermStatsResponse.Stats> failed = new ArrayList<>(request.shards().length);
            for (int s : request.shards()) {
                failed.add(
                        TermStatsResponse.Stats.failed(
                                s, Status.ERROR, "shard server is shutting down"));
            }
            reply.accept(new TermStatsResponse(request.requestId(), failed));
        }
    }

    /**
     * Each shard's statistics of the request's field. A shard that counts another field (its spec
     * names another {@code text_field} than the query server's copy) answers {@code ERROR}, one
     * that counts none answers every term {@link TermStatsResponse#UNKNOWN}: either way the query
     * server falls back to candidate-set IDF rather than mixing two fields or guessing.
     */
    TermStatsResponse termStats(TermStatsRequest request) {
        List<TermStatsResponse.Stats> out = new ArrayList<>(request.shards().length);
        for (int s : request.shards()) {
            out.add(termStatsOf(s, request));
        }
        return new TermStatsResponse(request.requestId(), out);
    }

    private TermStatsResponse.Stats termStatsOf(int s, TermStatsRequest request) {
        LiveShard shard = registry.get(s);
        if (shard == null) {
            return TermStatsResponse.Stats.failed(
                    s, Status.NOT_HERE, "shard " + s + " is not on this server");
        }
        if (!shard.ready()) {
            return TermStatsResponse.Stats.failed(
                    s, Status.RECOVERING, "shard " + s + " is restoring");
        }
        LiveCollection collection = shard.collection(request.collection());
        if (collection == null) {
            return TermStatsResponse.Stats.failed(
                    s,
                    Status.UNKNOWN_COLLECTION,
                    "collection '" + request.collection() + "' is unknown to shard " + s);
        }
        TermStatistics stats = collection.termStats();
        if (stats == null) {
            return unknown(s, request);
        }
        if (!stats.field().equals(request.field())) {
            return TermStatsResponse.Stats.failed(
                    s,
                    Status.ERROR,
                    "shard "
                            + s
                            + " keeps term statistics of field '"
                            + stats.field()
                            + "', not '"
                            + request.field()
                            + "'");
        }
        long[] docFreqs = new long[request.terms().size()];
        for (int i = 0; i < docFreqs.length; i++) {
            docFreqs[i] = stats.docFreq(request.terms().get(i));
        }
        return new TermStatsResponse.Stats(
                s, Status.OK, "", stats.docs(), stats.totalTerms(), docFreqs);
    }

    /**
     * The answer of a collection whose rerank policy is not bm25, so it keeps no statistics (a
     * search asking for bm25 itself, or a spec turning bm25 on that this shard has not applied
     * yet): every term unknown, which makes the query server use candidate-set IDF rather than
     * counts of zero.
     */
    private static TermStatsResponse.Stats unknown(int s, TermStatsRequest request) {
        long[] docFreqs = new long[request.terms().size()];
        Arrays.fill(docFreqs, TermStatsResponse.UNKNOWN);
        return new TermStatsResponse.Stats(
                s,
                Status.OK,
                "collection '"
                        + request.collection()
                        + "' keeps no term statistics in shard "
                        + s
                        + ": its rerank_policy.method is not bm25",
                0,
                0,
                docFreqs);
    }

    GetPointResponse get(GetPointRequest request) {
        long id = request.requestId();
        int s = request.shard();
        LiveShard shard = registry.get(s);
        if (shard == null) {
            return GetPointResponse.failed(
                    id, s, Status.NOT_HERE, "shard " + s + " is not on this server");
        }
        if (!shard.ready()) {
            return GetPointResponse.failed(
                    id, s, Status.RECOVERING, "shard " + s + " is restoring");
        }
        LiveCollection collection = shard.collection(request.collection());
        if (collection == null) {
            return GetPointResponse.failed(
                    id,
                    s,
                    Status.UNKNOWN_COLLECTION,
                    "collection '" + request.collection() + "' is unknown to shard " + s);
        }
        float[] vector = collection.vector(request.id());
        if (vector == null) {
            return GetPointResponse.notFound(id, s);
        }
        return new GetPointResponse(id, s, Status.OK, "", vector, collection.payload(request.id()));
    }

    CountResponse count(CountRequest request) {
        PayloadFilter filter = null;
        if (request.filter().length > 0) {
            try {
                filter = PayloadFilter.parse(request.filter());
            } catch (FilterException e) {
                return allFailed(request, Status.ERROR, "invalid filter: " + e.getMessage());
            }
        }
        List<CountResponse.Count> counts = new ArrayList<>(request.shards().length);
        for (int s : request.shards()) {
            counts.add(countShard(s, request.collection(), filter));
        }
        return new CountResponse(request.requestId(), counts);
    }

    private CountResponse.Count countShard(int s, String name, PayloadFilter filter) {
        LiveShard shard = registry.get(s);
        if (shard == null) {
            return new CountResponse.Count(
                    s, Status.NOT_HERE, "shard " + s + " is not on this server", 0);
        }
        if (!shard.ready()) {
            return new CountResponse.Count(s, Status.RECOVERING, "shard " + s + " is restoring", 0);
        }
        LiveCollection collection = shard.collection(name);
        if (collection == null) {
            return new CountResponse.Count(
                    s,
                    Status.UNKNOWN_COLLECTION,
                    "collection '" + name + "' is unknown to shard " + s,
                    0);
        }
        return new CountResponse.Count(s, Status.OK, "", collection.count(filter));
    }

    private static CountResponse allFailed(CountRequest request, Status status, String message) {
        List<CountResponse.Count> counts = new ArrayList<>(request.shards().length);
        for (int s : request.shards()) {
            counts.add(new CountResponse.Count(s, status, message, 0));
        }
        return new CountResponse(request.requestId(), counts);
    }
}
