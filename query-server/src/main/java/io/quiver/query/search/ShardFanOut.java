package io.quiver.query.search;

import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.routing.ShardInfo;
import io.quiver.query.rpc.ShardConnectionException;
import io.quiver.schemas.rpc.ShardResult.Status;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one shard RPC per shard server for a set of shards and collects the per-shard answers, the
 * routing every shard RPC (search, count, point lookup) shares:
 *
 * <ol>
 *   <li>Look every shard up in the {@link ShardDirectory}; shards that are not ready are missing
 *       (the directory's own cadence notices when they come back).
 *   <li>Group the ready shards by shard server and send one call per server carrying all of its
 *       shards, with the time left as its timeout.
 *   <li>A shard that answers {@code NOT_HERE}, or whose server cannot be reached, has moved:
 *       refresh the directory at once and send those shards once more, if time is left.
 *   <li>Answers with status {@code OK} or {@code UNKNOWN_COLLECTION} (the shard has not applied the
 *       collection's spec yet, so it holds none of its points) are answered; everything else is
 *       missing.
 * </ol>
 *
 * Nothing here blocks; the outcome never completes exceptionally for shard problems.
 *
 * @param <T> one shard's answer
 */
public final class ShardFanOut<T> {

    private static final Logger LOG = LoggerFactory.getLogger(ShardFanOut.class);

    /** Sends one call to one shard server for {@code shards}; one answer per shard expected. */
    @FunctionalInterface
    public interface Transport<T> {
        CompletableFuture<List<T>> call(ShardEndpoint endpoint, int[] shards, long timeoutMs);
    }

    /**
     * @param answered the answers counted as answered (status OK or UNKNOWN_COLLECTION)
     * @param missing the shards without such an answer, ascending
     */
    public record Outcome<T>(List<T> answered, List<Integer> missing) {}

    private final ShardDirectory directory;
    private final Function<T, Integer> shardOf;
    private final Function<T, Status> statusOf;
    private final Function<T, String> messageOf;

    public ShardFanOut(
            ShardDirectory directory,
            Function<T, Integer> shardOf,
            Function<T, Status> statusOf,
            Function<T, String> messageOf) {
        this.directory = directory;
        this.shardOf = shardOf;
        this.statusOf = statusOf;
        this.messageOf = messageOf;
    }

    /** What one round of calls found out, per shard. */
    private final class Round {
        final List<T> answered = new ArrayList<>();
        final TreeSet<Integer> moved = new TreeSet<>();
        final TreeSet<Integer> missing = new TreeSet<>();

        synchronized void answered(T r) {
            answered.add(r);
        }

        synchronized void moved(int shard) {
            moved.add(shard);
        }

        synchronized void missing(int shard) {
            missing.add(shard);
        }
    }

    /** Every shard of the directory. */
    public CompletableFuture<Outcome<T>> all(long timeoutMs, Transport<T> transport) {
        List<Integer> all = new ArrayList<>(directory.numShards());
        for (int s = 0; s < directory.numShards(); s++) {
            all.add(s);
        }
        return run(all, timeoutMs, transport);
    }

    /** The given shards. */
    public CompletableFuture<Outcome<T>> run(
            List<Integer> shards, long timeoutMs, Transport<T> transport) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Round first = new Round();
        return sendRound(shards, deadline, first, transport)
                .thenCompose(
                        ignored -> {
                            if (first.moved.isEmpty()) {
                                return CompletableFuture.completedFuture(first);
                            }
                            return retryMoved(first, deadline, transport);
                        })
                .thenApply(
                        round -> {
                            TreeSet<Integer> missing = new TreeSet<>(round.missing);
                            missing.addAll(round.moved);
                            return new Outcome<>(
                                    new ArrayList<>(round.answered), new ArrayList<>(missing));
                        });
    }

    private CompletableFuture<Round> retryMoved(
            Round first, long deadline, Transport<T> transport) {
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
                .thenCompose(ignored -> sendRound(again, deadline, second, transport))
                .thenApply(
                        ignored -> {
                            first.answered.addAll(second.answered);
                            first.missing.addAll(second.missing);
                            // Moved twice in one call: give up on it this time.
                            first.missing.addAll(second.moved);
                            return first;
                        });
    }

    private CompletableFuture<Void> sendRound(
            List<Integer> shards, long deadline, Round round, Transport<T> transport) {
        Map<ShardEndpoint, List<Integer>> byEndpoint = new LinkedHashMap<>();
        for (int s : shards) {
            ShardInfo info = directory.shard(s);
            if (info.searchable()) {
                byEndpoint.computeIfAbsent(info.endpoint(), e -> new ArrayList<>()).add(s);
            } else {
                // No forced refresh: while a job restarts every call would trigger one.
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
            calls.add(call(e.getKey(), e.getValue(), leftMs, round, transport));
        }
        return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]));
    }

    private CompletableFuture<Void> call(
            ShardEndpoint endpoint,
            List<Integer> shards,
            long timeoutMs,
            Round round,
            Transport<T> transport) {
        int[] shardArray = shards.stream().mapToInt(Integer::intValue).toArray();
        CompletableFuture<List<T>> sent;
        try {
            sent = transport.call(endpoint, shardArray, timeoutMs);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle(
                (answers, failure) -> {
                    if (failure != null) {
                        onFailure(endpoint, shards, failure, round);
                    } else {
                        onAnswers(endpoint, shards, answers, round);
                    }
                    return null;
                });
    }

    private void onAnswers(
            ShardEndpoint endpoint, List<Integer> asked, List<T> answers, Round round) {
        Map<Integer, T> byShard = new LinkedHashMap<>();
        for (T r : answers) {
            byShard.put(shardOf.apply(r), r);
        }
        for (int s : asked) {
            T r = byShard.get(s);
            if (r == null) {
                LOG.debug("Shard server {} did not answer for shard {}", endpoint, s);
                round.missing(s);
                continue;
            }
            Status status = statusOf.apply(r);
            switch (status) {
                case OK, UNKNOWN_COLLECTION -> round.answered(r);
                case NOT_HERE -> round.moved(s);
                default -> {
                    LOG.debug(
                            "Shard {} on {} answered {}: {}",
                            s,
                            endpoint,
                            status,
                            messageOf.apply(r));
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
        LOG.debug("Call to shard server {} failed: {}", endpoint, t.toString());
        if (t instanceof ShardConnectionException) {
            asked.forEach(round::moved);
        } else {
            asked.forEach(round::missing);
        }
    }

    private static long millisLeft(long deadlineNanos) {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    }
}
