package io.quiver.query.search;

import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.rpc.ShardClient;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.MetricType;
import io.quiver.schemas.filter.Filters;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Fans a search out to every shard and merges the answers (DESIGN.md decision 9): one {@link
 * SearchRequest} per shard server carrying all of its shards, routed and retried by {@link
 * ShardFanOut}; the OK answers are merged into the global top {@code offset + limit} in the
 * collection's metric order, the first {@code offset} are dropped, and every other shard is listed
 * as missing. A shard answering {@code UNKNOWN_COLLECTION} has not applied the collection's spec
 * yet and so holds none of its points: it counts as answered with no hits. Nothing here blocks.
 */
public final class FanOutSearcher implements Searcher {

    private final ShardClient client;
    private final ShardFanOut<ShardResult> fanOut;

    public FanOutSearcher(ShardDirectory directory, ShardClient client) {
        this.client = client;
        this.fanOut =
                new ShardFanOut<>(
                        directory, ShardResult::shard, ShardResult::status, ShardResult::message);
    }

    @Override
    public CompletableFuture<SearchOutcome> search(CollectionSpec spec, SearchQuery query) {
        int[] partitions = new int[query.requiredOffsets().size()];
        long[] offsets = new long[partitions.length];
        int i = 0;
        for (Map.Entry<Integer, Long> o : query.requiredOffsets().entrySet()) {
            partitions[i] = o.getKey();
            offsets[i++] = o.getValue();
        }
        byte[] filter = query.filter() == null ? null : Filters.toBytes(query.filter());
        return fanOut.all(
                        query.timeoutMs(),
                        (endpoint, shards, timeoutMs) -> {
                            SearchRequest request =
                                    new SearchRequest(
                                                    client.nextRequestId(),
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
                            return client.search(endpoint, request, timeoutMs)
                                    .thenApply(SearchResponse::shards);
                        })
                .thenApply(outcome -> merge(spec, query, outcome));
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
