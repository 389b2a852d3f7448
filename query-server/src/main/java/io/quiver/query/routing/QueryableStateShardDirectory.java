package io.quiver.query.routing;

import io.quiver.query.internal.NamedThreadFactory;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.status.ShardStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.JobID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ShardDirectory} of DESIGN.md decision 1: every shard's {@code ShardStatus}, read
 * through Flink Queryable State from the running job found by name.
 *
 * <p>One background thread runs a refresh round every {@code refreshInterval} and whenever {@link
 * #refresh()} asks. A round (1) makes sure it knows the job id, asking the REST API when it has
 * none, every {@code jobRecheckInterval}, and right after lookups said the job is gone (resubmitted
 * from a savepoint gets a new id); (2) looks every shard up concurrently; (3) turns each answer
 * into a {@link ShardState}:
 *
 * <ul>
 *   <li>a status with {@code ready} → READY at its endpoint, else RECOVERING;
 *   <li>{@code UnknownKvStateLocation} and relatives (job restarting, state not registered yet) →
 *       RECOVERING;
 *   <li>a status whose {@code updatedAtMillis} has not advanced for {@code staleAfter}, measured on
 *       this server's clock so clock skew between hosts does not matter → STALE;
 *   <li>any other failure (proxy unreachable) keeps the last status, which turns STALE in time.
 * </ul>
 *
 * Logging is quiet: one INFO line when the number of ready shards changes, one WARN per kind of
 * failure until lookups succeed again.
 */
public final class QueryableStateShardDirectory implements ShardDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(QueryableStateShardDirectory.class);

    /** Messages Flink puts in a lookup failure while a job's state is not reachable yet. */
    private static final String[] RECOVERING_MARKERS = {
        "UnknownKvStateLocation",
        "UnknownKvStateKeyGroupLocation",
        "UnknownKvStateIdException",
        "UnknownKeyOrNamespace",
        // The proxy's wrapper for the above while the job starts or stops.
        "UnknownLocationException",
    };

    /** Messages Flink puts in a lookup failure when the job id is not (any more) known. */
    private static final String[] JOB_GONE_MARKERS = {
        "FlinkJobNotFoundException", "Could not find Flink job", "JobNotFound", "UnknownJob",
    };

    private static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(3);
    private static final long MIN_FORCED_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ShardKeys keys;
    private final JobLocator locator;
    private final ShardStatusLookup lookup;
    private final Duration refreshInterval;
    private final long staleAfterNanos;
    private final long jobRecheckNanos;
    private final LongSupplier nanoClock;

    private final AtomicReferenceArray<ShardInfo> shards;
    private final long[] lastAdvanceNanos;
    private final ScheduledExecutorService executor;

    // Touched by the refresh thread only.
    private JobID jobId;
    private long nextJobCheckNanos;
    private long lastRoundNanos;
    private int lastReadyCount = -1;
    private String lastFailure;

    // Guarded by "this": the round that callers of refresh() wait for.
    private CompletableFuture<Void> nextRound;
    private boolean started;
    private volatile boolean closed;

    /**
     * @param keys shard count and the Flink key of each shard
     * @param locator finds the job id
     * @param lookup reads the serialized statuses; closed with this directory
     * @param refreshInterval how often every shard is looked up
     * @param staleAfter how long a status may go without advancing before it counts as stale; must
     *     exceed the operator's status cadence
     * @param jobRecheckInterval how often the job id is re-resolved even when lookups work
     */
    public QueryableStateShardDirectory(
            ShardKeys keys,
            JobLocator locator,
            ShardStatusLookup lookup,
            Duration refreshInterval,
            Duration staleAfter,
            Duration jobRecheckInterval) {
        this(
                keys,
                locator,
                lookup,
                refreshInterval,
                staleAfter,
                jobRecheckInterval,
                System::nanoTime);
    }

    QueryableStateShardDirectory(
            ShardKeys keys,
            JobLocator locator,
            ShardStatusLookup lookup,
            Duration refreshInterval,
            Duration staleAfter,
            Duration jobRecheckInterval,
            LongSupplier nanoClock) {
        this.keys = keys;
        this.locator = locator;
        this.lookup = lookup;
        this.refreshInterval = refreshInterval;
        this.staleAfterNanos = staleAfter.toNanos();
        this.jobRecheckNanos = jobRecheckInterval.toNanos();
        this.nanoClock = nanoClock;
        this.shards = new AtomicReferenceArray<>(keys.numShards());
        this.lastAdvanceNanos = new long[keys.numShards()];
        for (int s = 0; s < keys.numShards(); s++) {
            shards.set(s, ShardInfo.unknown(s));
        }
        this.executor =
                Executors.newSingleThreadScheduledExecutor(
                        new NamedThreadFactory("quiver-shard-directory"));
    }

    @Override
    public int numShards() {
        return keys.numShards();
    }

    @Override
    public ShardInfo shard(int shard) {
        return shards.get(shard);
    }

    @Override
    public synchronized void start() {
        if (started || closed) {
            return;
        }
        started = true;
        executor.scheduleWithFixedDelay(
                this::safeRound, 0, refreshInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized CompletableFuture<Void> refresh() {
        if (closed) {
            return CompletableFuture.completedFuture(null);
        }
        if (nextRound == null) {
            nextRound = new CompletableFuture<>();
            long sinceLast = nanoClock.getAsLong() - lastRoundNanos;
            long delay = Math.max(0, MIN_FORCED_GAP_NANOS - sinceLast);
            executor.schedule(this::safeRound, delay, TimeUnit.NANOSECONDS);
        }
        return nextRound;
    }

    private void safeRound() {
        CompletableFuture<Void> waiting;
        synchronized (this) {
            waiting = nextRound;
            nextRound = null;
        }
        try {
            refreshOnce();
        } catch (RuntimeException e) {
            LOG.error("Shard directory refresh failed", e);
        } finally {
            if (waiting != null) {
                waiting.complete(null);
            }
        }
    }

    /** One refresh round on the calling thread. */
    void refreshOnce() {
        long now = nanoClock.getAsLong();
        lastRoundNanos = now;
        if (jobId == null || now - nextJobCheckNanos >= 0) {
            resolveJob(now);
        }
        if (jobId == null) {
            for (int s = 0; s < numShards(); s++) {
                ShardInfo old = shards.get(s);
                shards.set(
                        s,
                        old.endpoint() == null
                                ? ShardInfo.unknown(s)
                                : old.withState(ShardState.RECOVERING));
            }
            logReadyCount();
            return;
        }
        JobID job = jobId;
        @SuppressWarnings("unchecked")
        CompletableFuture<byte[]>[] pending = new CompletableFuture[numShards()];
        for (int s = 0; s < numShards(); s++) {
            pending[s] = lookup.lookup(job, keys.keyOf(s));
        }
        int jobGone = 0;
        int failed = 0;
        int found = 0;
        long deadline = System.nanoTime() + LOOKUP_TIMEOUT.toNanos();
        for (int s = 0; s < numShards(); s++) {
            Outcome o = await(pending[s], deadline);
            long t = nanoClock.getAsLong();
            switch (o.kind) {
                case FOUND -> {
                    found++;
                    applyStatus(s, o.value, t);
                }
                case RECOVERING -> shards.set(s, recovering(s));
                case JOB_GONE -> {
                    jobGone++;
                    shards.set(s, recovering(s));
                }
                default -> {
                    failed++;
                    noteFailure(o.message);
                    shards.set(s, ageOnly(s, t));
                }
            }
        }
        if (failed == 0) {
            lastFailure = null;
        }
        if (jobGone > 0 || failed == numShards()) {
            // Ask the REST API again on the next round rather than retrying a dead job id.
            jobId = null;
        } else if (found == 0) {
            // Restarting, or cancelled and resubmitted under a new id: look again next round.
            nextJobCheckNanos = now;
        }
        logReadyCount();
    }

    private void resolveJob(long now) {
        nextJobCheckNanos = now + jobRecheckNanos;
        try {
            Optional<JobID> found = locator.find();
            JobID next = found.orElse(null);
            if (next != null && !next.equals(jobId)) {
                LOG.info("Shard directory follows job {} ({})", next, locator);
            } else if (next == null && jobId != null) {
                LOG.info("No running job for {}; shards count as recovering", locator);
            }
            jobId = next;
            if (next == null) {
                noteFailure("no RUNNING job for " + locator);
            }
        } catch (IOException | RuntimeException e) {
            noteFailure("cannot find " + locator + ": " + describe(e));
            jobId = null;
        }
    }

    private void applyStatus(int s, byte[] bytes, long now) {
        if (bytes == null) {
            shards.set(s, recovering(s));
            return;
        }
        ShardStatus status;
        try {
            status = ShardStatus.fromBytes(bytes);
        } catch (IllegalArgumentException e) {
            noteFailure("shard " + s + " has an unreadable status: " + e.getMessage());
            shards.set(s, ageOnly(s, now));
            return;
        }
        if (status.shard() != s || status.totalShards() != numShards()) {
            // Wrong --shards or --max-parallelism: searching would silently miss points.
            noteFailure(
                    "the status under shard "
                            + s
                            + "'s key belongs to shard "
                            + status.shard()
                            + " of "
                            + status.totalShards()
                            + "; this server expects "
                            + numShards()
                            + " shards and max parallelism "
                            + keys.maxParallelism()
                            + ", both must match the job");
            shards.set(s, new ShardInfo(s, ShardState.UNKNOWN, null, null));
            return;
        }
        ShardInfo old = shards.get(s);
        if (old.status() == null || old.status().updatedAtMillis() != status.updatedAtMillis()) {
            lastAdvanceNanos[s] = now;
        }
        ShardEndpoint endpoint;
        try {
            endpoint = new ShardEndpoint(status.host(), status.port());
        } catch (IllegalArgumentException e) {
            noteFailure("shard " + s + " announces a bad endpoint: " + e.getMessage());
            shards.set(s, new ShardInfo(s, ShardState.RECOVERING, null, status));
            return;
        }
        ShardState state = status.ready() ? ShardState.READY : ShardState.RECOVERING;
        if (now - lastAdvanceNanos[s] > staleAfterNanos) {
            state = ShardState.STALE;
        }
        shards.set(s, new ShardInfo(s, state, endpoint, status));
    }

    private ShardInfo recovering(int s) {
        ShardInfo old = shards.get(s);
        return new ShardInfo(s, ShardState.RECOVERING, old.endpoint(), old.status());
    }

    /** Keeps the last status after a failed lookup until it is too old to trust. */
    private ShardInfo ageOnly(int s, long now) {
        ShardInfo old = shards.get(s);
        if (old.status() == null) {
            return old.state() == ShardState.UNKNOWN ? old : old.withState(ShardState.STALE);
        }
        if (now - lastAdvanceNanos[s] > staleAfterNanos) {
            return old.withState(ShardState.STALE);
        }
        return old;
    }

    private enum Kind {
        FOUND,
        RECOVERING,
        JOB_GONE,
        FAILED
    }

    private record Outcome(Kind kind, byte[] value, String message) {}

    private static Outcome await(CompletableFuture<byte[]> f, long deadlineNanos) {
        try {
            long wait = Math.max(0, deadlineNanos - System.nanoTime());
            return new Outcome(Kind.FOUND, f.get(wait, TimeUnit.NANOSECONDS), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(Kind.FAILED, null, "interrupted");
        } catch (TimeoutException e) {
            f.cancel(false);
            return new Outcome(Kind.FAILED, null, "lookup timed out");
        } catch (ExecutionException | RuntimeException e) {
            return classify(e);
        }
    }

    /** Sorts a lookup failure by the text Flink puts into it (the causes are not typed). */
    static Outcome classify(Throwable failure) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = failure; t != null && text.length() < 20_000; t = t.getCause()) {
            text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
            if (t.getCause() == t) {
                break;
            }
        }
        String all = text.toString();
        for (String marker : RECOVERING_MARKERS) {
            if (all.contains(marker)) {
                return new Outcome(Kind.RECOVERING, null, marker);
            }
        }
        for (String marker : JOB_GONE_MARKERS) {
            if (all.contains(marker)) {
                return new Outcome(Kind.JOB_GONE, null, marker);
            }
        }
        return new Outcome(Kind.FAILED, null, summary(failure));
    }

    /**
     * One line saying why a lookup failed. The proxy sends the server-side failure as text ("Failed
     * request 7.\n Caused by: ..."), so the last "Caused by" line is the informative one.
     */
    static String summary(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (message == null) {
            return root.getClass().getSimpleName();
        }
        int caused = message.lastIndexOf("Caused by: ");
        String line = caused >= 0 ? message.substring(caused + "Caused by: ".length()) : message;
        int nl = line.indexOf('\n');
        return (caused >= 0 ? "" : root.getClass().getSimpleName() + ": ")
                + (nl >= 0 ? line.substring(0, nl) : line).trim();
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.toString();
    }

    /** Logs a failure once until a different one (request ids and counts aside) comes up. */
    private void noteFailure(String message) {
        String kind = message.replaceAll("[0-9]+", "#");
        if (!kind.equals(lastFailure)) {
            LOG.warn("Shard directory: {}", message);
            lastFailure = kind;
        }
    }

    private void logReadyCount() {
        int ready = 0;
        for (int s = 0; s < numShards(); s++) {
            if (shards.get(s).searchable()) {
                ready++;
            }
        }
        if (ready != lastReadyCount) {
            LOG.info("Shard directory: {}/{} shards ready", ready, numShards());
            lastReadyCount = ready;
        }
    }

    @Override
    public void close() {
        CompletableFuture<Void> waiting;
        synchronized (this) {
            closed = true;
            waiting = nextRound;
            nextRound = null;
        }
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (waiting != null) {
            waiting.complete(null);
        }
        lookup.close();
    }
}
