package io.quiver.query.search;

import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.routing.ShardInfo;
import io.quiver.query.rpc.ShardClient;
import io.quiver.query.rpc.ShardConnectionException;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.MetricType;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans a search out to every shard and merges the answers (DESIGN.md decision 9).
 *
 * <ol>
 *   <li>Look every shard up in the {@link ShardDirectory}; shards that are not ready are missing
 *       (the directory's own cadence notices when they come back).
 *   <li>Group the ready shards by shard server and send one {@link SearchRequest} per server
 *       carrying all of its shards, with the time left as its timeout.
 *   <li>A shard that answers {@code NOT_HERE}, or whose server cannot be reached, has moved:
 *       refresh the directory at once and send those shards once more, if time is left.
 *   <li>Merge the OK answers into the global top-k in the collection's metric order; everything
 *       else is listed as missing.
 * </ol>
 *
 * A shard answering {@code UNKNOWN_COLLECTION} has not applied the collection's spec yet and so
 * holds none of its points: it counts as answered with no hits. Nothing here blocks.
 */
public final class FanOutSearcher implements Searcher {

    private static final Logger LOG = LoggerFactory.getLogger(FanOutSearcher.class);

    private final ShardDirectory directory;
    private final ShardClient client;

    public FanOutSearcher(ShardDirectory directory, ShardClient client) {
        this.directory = directory;
        this.client = client;
    }

    /** What one round of requests found out, per shard. */
    private static final class Round {
        final List<ShardResult> answered = new ArrayList<>();
        final TreeSet<Integer> moved = new TreeSet<>();
        final TreeSet<Integer> missing = new TreeSet<>();

        synchronized void answered(ShardResult r) {
            answered.add(r);
        }

        synchronized void moved(int shard) {
            moved.add(shard);
        }

        synchronized void missing(int shard) {
            missing.add(shard);
        }
    }

    @Override
    public CompletableFuture<SearchOutcome> search(CollectionSpec spec, SearchQuery query) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(query.timeoutMs());
        List<Integer> all = new ArrayList<>(directory.numShards());
        for (int s = 0; s < directory.numShards(); s++) {
            all.add(s);
        }
        Round first = new Round();
        return sendRound(all, query, deadline, first)
                .thenCompose(
                        ignored -> {
                            if (first.moved.isEmpty()) {
                                return CompletableFuture.completedFuture(first);
                            }
                            return retryMoved(first, query, deadline);
                        })
                .thenApply(round -> merge(spec, query, round));
    }

    private CompletableFuture<Round> retryMoved(Round first, SearchQuery query, long deadline) {
        List<Integer> again = new ArrayList<>(first.moved);
        first.moved.clear();
        long leftMs = millisLeft(deadline);
        if (leftMs <= 0) {
            again.forEach(first::missing);
            return CompletableFuture.completedFuture(first);
        }
        Round second = new Round();
        return directory
                .refresh()
                .completeOnTimeout(null, leftMs, TimeUnit.MILLISECONDS)
                .thenCompose(ignored -> sendRound(again, query, deadline, second))
                .thenApply(
                        ignored -> {
                            first.answered.addAll(second.answered);
                            first.missing.addAll(second.missing);
                            // Moved twice in one search: give up on it for this search.
                            first.missing.addAll(second.moved);
                            return first;
                        });
    }

    private CompletableFuture<Void> sendRound(
            List<Integer> shards, SearchQuery query, long deadline, Round round) {
        Map<ShardEndpoint, List<Integer>> byEndpoint = new LinkedHashMap<>();
        for (int s : shards) {
            ShardInfo info = directory.shard(s);
            if (info.searchable()) {
                byEndpoint.computeIfAbsent(info.endpoint(), e -> new ArrayList<>()).add(s);
            } else {
                // No forced refresh: while a job restarts every search would trigger one.
                round.missing(s);
            }
        }
        long leftMs = millisLeft(deadline);
        List<CompletableFuture<Void>> calls = new ArrayList<>(byEndpoint.size());
        for (Map.Entry<ShardEndpoint, List<Integer>> e : byEndpoint.entrySet()) {
            if (leftMs <= 0) {
                e.getValue().forEach(round::missing);
                continue;
            }
            calls.add(call(e.getKey(), e.getValue(), query, leftMs, round));
        }
        return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]));
    }

    private CompletableFuture<Void> call(
            ShardEndpoint endpoint,
            List<Integer> shards,
            SearchQuery query,
            long timeoutMs,
            Round round) {
        int[] shardArray = shards.stream().mapToInt(Integer::intValue).toArray();
        int[] partitions = new int[query.requiredOffsets().size()];
        long[] offsets = new long[partitions.length];
        int i = 0;
        for (Map.Entry<Integer, Long> o : query.requiredOffsets().entrySet()) {
            partitions[i] = o.getKey();
            offsets[i++] = o.getValue();
        }
        SearchRequest request =
                new SearchRequest(
                        client.nextRequestId(),
                        query.collection(),
                        shardArray,
                        query.limit(),
                        query.ef(),
                        query.withPayload(),
                        query.vector(),
                        (int) Math.min(Integer.MAX_VALUE, timeoutMs),
                        partitions,
                        offsets,
                        null);
        CompletableFuture<SearchResponse> sent;
        try {
            sent = client.search(endpoint, request, timeoutMs);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle(
                (response, failure) -> {
                    if (failure != null) {
                        onFailure(endpoint, shards, failure, round);
                    } else {
                        onResponse(endpoint, shards, response, round);
                    }
                    return null;
                });
    }

    private void onResponse(
            ShardEndpoint endpoint, List<Integer> asked, SearchResponse response, Round round) {
        Map<Integer, ShardResult> byShard = new LinkedHashMap<>();
        for (ShardResult r : response.shards()) {
            byShard.put(r.shard(), r);
        }
        for (int s : asked) {
            ShardResult r = byShard.get(s);
            if (r == null) {
                LOG.debug("Shard server {} did not answer for shard {}", endpoint, s);
                round.missing(s);
                continue;
            }
            switch (r.status()) {
                case OK -> round.answered(r);
                case UNKNOWN_COLLECTION -> round.answered(ShardResult.failed(s, r.status(), ""));
                case NOT_HERE -> round.moved(s);
                default -> {
                    LOG.debug(
                            "Shard {} on {} answered {}: {}", s, endpoint, r.status(), r.message());
                    round.missing(s);
                }
            }
        }
    }

    private void onFailure(
            ShardEndpoint endpoint, List<Integer> asked, Throwable failure, Round round) {
        Throwable t =
                failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
        LOG.debug("Search on shard server {} failed: {}", endpoint, t.toString());
        if (t instanceof ShardConnectionException) {
            asked.forEach(round::moved);
        } else {
            asked.forEach(round::missing);
        }
    }

    private SearchOutcome merge(CollectionSpec spec, SearchQuery query, Round round) {
        TopKMerger merger = new TopKMerger(spec.getMetric() != MetricType.L2);
        List<Hit> hits = merger.merge(round.answered, query.limit(), query.scoreThreshold());
        TreeSet<Integer> missing = new TreeSet<>(round.missing);
        missing.addAll(round.moved);
        return new SearchOutcome(hits, round.answered.size(), new ArrayList<>(missing));
    }

    private static long millisLeft(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }
}
