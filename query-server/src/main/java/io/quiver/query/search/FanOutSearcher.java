package io.quiver.query.search;

import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.rpc.ShardClient;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.MetricType;
import io.quiver.schemas.filter.Filters;
import io.quiver.schemas.rpc.SearchBatchRequest;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Fans a search out to every shard and merges the answers (DESIGN.md decision 9): one {@link
 * SearchRequest} per shard server carrying all of its shards, routed and retried by {@link
 * ShardFanOut}; the OK answers are merged into the global top {@code offset + limit} in the
 * collection's metric order, the first {@code offset} are dropped, and every other shard is listed
 * as missing. A shard answering {@code UNKNOWN_COLLECTION} has not applied the collection's spec
 * yet and so holds none of its points: it counts as answered with no hits. Nothing here blocks.
 *
 * <p>A batch of searches ({@link #searchBatch}) goes out as one {@link SearchBatchRequest} per
 * shard server carrying every search; the fan-out waits for the longest of their timeouts, and each
 * search is merged on its own, with its own missing shards.
 */
public final class FanOutSearcher implements Searcher {

    private final ShardDirectory directory;
    private final ShardClient client;
    private final ShardFanOut<ShardResult> fanOut;

    public FanOutSearcher(ShardDirectory directory, ShardClient client) {
        this.directory = directory;
        this.client = client;
        this.fanOut =
                new ShardFanOut<>(
                        directory, ShardResult::shard, ShardResult::status, ShardResult::message);
    }

    @Override
    public CompletableFuture<SearchOutcome> search(CollectionSpec spec, SearchQuery query) {
        return fanOut.all(
                        query.timeoutMs(),
                        (endpoint, shards, timeoutMs) ->
                                client.search(
                                                endpoint,
                                                request(
                                                        client.nextRequestId(),
                                                        query,
                                                        shards,
                                                        timeoutMs),
                                                timeoutMs)
                                        .thenApply(SearchResponse::shards))
                .thenApply(outcome -> merge(spec, query, outcome));
    }

    @Override
    public CompletableFuture<List<SearchOutcome>> searchBatch(
            CollectionSpec spec, List<SearchQuery> queries) {
        if (queries.size() == 1) {
            return search(spec, queries.get(0)).thenApply(List::of);
        }
        long timeout = 0;
        for (SearchQuery q : queries) {
            timeout = Math.max(timeout, q.timeoutMs());
        }
        ShardFanOut<ShardBatch> batchFanOut =
                new ShardFanOut<>(
                        directory, ShardBatch::shard, ShardBatch::status, ShardBatch::message);
        return batchFanOut
                .all(
                        timeout,
                        (endpoint, shards, timeoutMs) -> {
                            long id = client.nextRequestId();
                            List<SearchRequest> requests = new ArrayList<>(queries.size());
                            for (SearchQuery q : queries) {
                                requests.add(
                                        request(id, q, shards, Math.min(q.timeoutMs(), timeoutMs)));
                            }
                            return client.searchBatch(
                                            endpoint,
                                            new SearchBatchRequest(id, requests),
                                            timeoutMs)
                                    .thenApply(r -> ShardBatch.byShard(r, queries.size()));
                        })
                .thenApply(
                        outcome -> {
                            List<SearchOutcome> outcomes = new ArrayList<>(queries.size());
                            for (int q = 0; q < queries.size(); q++) {
                                outcomes.add(merge(spec, queries.get(q), viewOf(outcome, q)));
                            }
                            return outcomes;
                        });
    }

    private static SearchRequest request(
            long requestId, SearchQuery query, int[] shards, long timeoutMs) {
        int[] partitions = new int[query.requiredOffsets().size()];
        long[] offsets = new long[partitions.length];
        int i = 0;
        for (Map.Entry<Integer, Long> o : query.requiredOffsets().entrySet()) {
            partitions[i] = o.getKey();
            offsets[i++] = o.getValue();
        }
        byte[] filter = query.filter() == null ? null : Filters.toBytes(query.filter());
        return new SearchRequest(
                        requestId,
                        query.collection(),
                        shards,
                        query.depth(),
                        query.ef(),
                        query.withPayload(),
                        query.withVector(),
                        query.vector(),
                        (int) Math.min(Integer.MAX_VALUE, timeoutMs),
                        partitions,
                        offsets,
                        filter)
                .withExactScores(query.exactScores())
                .withExactSearch(query.exact());
    }

    /**
     * One shard's answers to every search of a batch. Its status is NOT_HERE when any search found
     * the shard gone (so the fan-out rediscovers it), else OK: each search's own status is judged
     * when that search is merged.
     */
    private record ShardBatch(
            int shard, ShardResult.Status status, String message, ShardResult[] perQuery) {

        /** Shards missing from any search's answer are left out, so they count as missing. */
        static List<ShardBatch> byShard(SearchBatchResponse response, int queries) {
            if (response.responses().size() != queries) {
                return List.of();
            }
            Map<Integer, ShardResult[]> byShard = new LinkedHashMap<>();
            for (int q = 0; q < queries; q++) {
                for (ShardResult r : response.responses().get(q).shards()) {
                    byShard.computeIfAbsent(r.shard(), s -> new ShardResult[queries])[q] = r;
                }
            }
            List<ShardBatch> out = new ArrayList<>(byShard.size());
            for (Map.Entry<Integer, ShardResult[]> e : byShard.entrySet()) {
                ShardResult.Status status = ShardResult.Status.OK;
                String message = "";
                boolean complete = true;
                for (ShardResult r : e.getValue()) {
                    if (r == null) {
                        complete = false;
                    } else if (r.status() == ShardResult.Status.NOT_HERE) {
                        status = r.status();
                        message = r.message();
                    }
                }
                if (complete) {
                    out.add(new ShardBatch(e.getKey(), status, message, e.getValue()));
                }
            }
            return out;
        }
    }

    /**
     * Search {@code q}'s view of a batch fan-out: the shards whose answer to it counts as answered
     * (OK or UNKNOWN_COLLECTION), and as missing the fan-out's missing shards plus the shards that
     * answered it otherwise (e.g. TIMEOUT waiting for its offsets).
     */
    private static ShardFanOut.Outcome<ShardResult> viewOf(
            ShardFanOut.Outcome<ShardBatch> outcome, int q) {
        List<ShardResult> answered = new ArrayList<>(outcome.answered().size());
        TreeSet<Integer> missing = new TreeSet<>(outcome.missing());
        for (ShardBatch b : outcome.answered()) {
            ShardResult r = b.perQuery()[q];
            if (r.status() == ShardResult.Status.OK
                    || r.status() == ShardResult.Status.UNKNOWN_COLLECTION) {
                answered.add(r);
            } else {
                missing.add(r.shard());
            }
        }
        return new ShardFanOut.Outcome<>(answered, new ArrayList<>(missing));
    }

    private static SearchOutcome merge(
            CollectionSpec spec, SearchQuery query, ShardFanOut.Outcome<ShardResult> outcome) {
        List<ShardResult> ok = new ArrayList<>(outcome.answered().size());
        for (ShardResult r : outcome.answered()) {
            if (r.status() == ShardResult.Status.OK) {
                ok.add(r);
            }
        }
        TopKMerger merger = new TopKMerger(spec.getMetric() != MetricType.L2);
        List<Hit> best = merger.merge(ok, query.depth(), query.scoreThreshold());
        List<Hit> hits = best.subList(Math.min(query.offset(), best.size()), best.size());
        return new SearchOutcome(hits, outcome.answered().size(), outcome.missing());
    }
}
