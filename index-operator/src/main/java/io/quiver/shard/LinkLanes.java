package io.quiver.shard;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * The link lanes of one index operator: the threads that link written points into their
 * collections' indexes after the writer has made them searchable (see {@link
 * LiveCollection#linkOn}), the bound on ops written but not yet linked, and the first linking
 * failure.
 *
 * <p>Each collection has one lane: its ops are linked in write order by at most one drain at a
 * time, so a collection keeps a single index writer; drains of different collections run side by
 * side on the executor's threads.
 *
 * <p>Linger: with {@code lingerMillis} above 0 a lane waits until it holds a group of ops (or its
 * oldest op has waited that long) before it starts a drain, so a graph takes its inserts in runs
 * (see {@link LinkLane}); whoever waits for the lanes, and a writer held at the bound, makes every
 * lane with queued ops drain at once.
 *
 * <p>Back-pressure: {@link #reserve} blocks the writer while {@code maxUnlinked} ops are queued
 * over all lanes; an op counts until it is in its index. A linking failure is kept: every later
 * {@link #reserve}, {@link #checkFailure} and wait rethrows it on the writer's thread (the index no
 * longer holds what was written; the owner restarts from durable state). Thread-safe.
 */
public final class LinkLanes implements AutoCloseable {

    private final Executor executor;
    private final ExecutorService owned;
    private final int maxUnlinked;
    private final long lingerMillis;
    private final LongConsumer linkLagMillis;
    private final Object lock = new Object();
    private final Set<LinkLane> withOps = new HashSet<>(); // guarded by lock
    private int queued; // guarded by lock
    private int waiters; // guarded by lock
    private volatile boolean urgent;
    private volatile Throwable failure;
    private ScheduledExecutorService timer; // guarded by lock

    /**
     * Lanes drained on {@code executor}.
     *
     * @param maxUnlinked the most ops queued over all lanes before the writer blocks; at least 1
     * @param linkLagMillis hears, for every op linked, the milliseconds it waited in its lane
     */
    public LinkLanes(Executor executor, int maxUnlinked, LongConsumer linkLagMillis) {
        this(executor, null, maxUnlinked, 0, linkLagMillis);
    }

    /**
     * Lanes drained on {@code executor} that linger up to {@code lingerMillis} for a group of ops
     * (0: a drain starts with the first op).
     */
    public LinkLanes(
            Executor executor, int maxUnlinked, long lingerMillis, LongConsumer linkLagMillis) {
        this(executor, null, maxUnlinked, lingerMillis, linkLagMillis);
    }

    private LinkLanes(
            Executor executor,
            ExecutorService owned,
            int maxUnlinked,
            long lingerMillis,
            LongConsumer lag) {
        if (maxUnlinked < 1) {
            throw new IllegalArgumentException(
                    "maxUnlinked must be at least 1, got " + maxUnlinked);
        }
        if (lingerMillis < 0) {
            throw new IllegalArgumentException(
                    "lingerMillis must be 0 or positive, got " + lingerMillis);
        }
        this.executor = executor;
        this.owned = owned;
        this.maxUnlinked = maxUnlinked;
        this.lingerMillis = lingerMillis;
        this.linkLagMillis = lag;
    }

    /** Lanes drained on their own {@code threads} daemon threads, stopped by {@link #close}. */
    public static LinkLanes withThreads(int threads, int maxUnlinked, LongConsumer linkLagMillis) {
        return withThreads(threads, maxUnlinked, 0, linkLagMillis);
    }

    /**
     * Lanes drained on their own {@code threads} daemon threads, lingering up to {@code
     * lingerMillis} for a group of ops; stopped by {@link #close}.
     */
    public static LinkLanes withThreads(
            int threads, int maxUnlinked, long lingerMillis, LongConsumer linkLagMillis) {
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r, "quiver-link");
                            t.setDaemon(true);
                            return t;
                        });
        return new LinkLanes(pool, pool, maxUnlinked, lingerMillis, linkLagMillis);
    }

    public int maxUnlinked() {
        return maxUnlinked;
    }

    /** How long a lane waits for a group of ops before it drains what it has; 0 for not at all. */
    public long lingerMillis() {
        return lingerMillis;
    }

    /** Whether someone waits for the lanes, so no lane lingers. */
    boolean urgent() {
        return urgent;
    }

    /** Runs {@code task} once the linger has passed (at once when the lanes are closed). */
    void afterLinger(Runnable task) {
        synchronized (lock) {
            if (timer == null) {
                timer =
                        Executors.newSingleThreadScheduledExecutor(
                                r -> {
                                    Thread t = new Thread(r, "quiver-link-linger");
                                    t.setDaemon(true);
                                    return t;
                                });
            }
            try {
                timer.schedule(task, lingerMillis, TimeUnit.MILLISECONDS);
                return;
            } catch (RejectedExecutionException e) {
                // closed: fall through and run it here
            }
        }
        task.run();
    }

    /**
     * Held: waits on the lock while {@code blocked} holds. Meanwhile no lane lingers, and every
     * lane with queued ops starts a drain at once.
     */
    private void waitWhile(BooleanSupplier blocked) {
        if (!blocked.getAsBoolean()) {
            return;
        }
        waiters++;
        urgent = true;
        try {
            // A copy: a drain the executor refuses gives its lane up, which edits the set.
            for (LinkLane lane : List.copyOf(withOps)) {
                lane.drainNow();
            }
            while (blocked.getAsBoolean()) {
                waitOn(lock);
            }
        } finally {
            waiters--;
            urgent = waiters > 0;
        }
    }

    /** Ops written but not yet in their index, over all lanes. */
    public int queued() {
        synchronized (lock) {
            return queued;
        }
    }

    /**
     * Writer only: waits until {@code n} more ops fit under the bound (a group larger than the
     * bound waits for empty lanes), then counts them as queued on {@code lane}.
     *
     * @throws IllegalStateException when linking failed before or while waiting
     */
    void reserve(LinkLane lane, int n) {
        synchronized (lock) {
            waitWhile(() -> failure == null && queued > 0 && queued + n > maxUnlinked);
            checkFailure();
            queued += n;
            lane.pending += n;
            lane.reservedTotal += n;
            withOps.add(lane);
        }
    }

    /** {@code n} ops of {@code lane} are in their index. */
    void linked(LinkLane lane, int n) {
        synchronized (lock) {
            queued -= n;
            lane.pending -= n;
            lane.linkedTotal += n;
            if (lane.pending == 0) {
                withOps.remove(lane);
            }
            lock.notifyAll();
        }
    }

    void lag(long millis) {
        linkLagMillis.accept(millis);
    }

    /**
     * Records the first linking failure of {@code lane}, whose queued ops are given up (they stay
     * searchable by exact scan until the owner restarts), and wakes the writer.
     */
    void failed(LinkLane lane, Throwable t) {
        synchronized (lock) {
            if (failure == null) {
                failure = t;
            }
            queued -= lane.pending;
            lane.linkedTotal += lane.pending;
            lane.pending = 0;
            withOps.remove(lane);
            lock.notifyAll();
        }
    }

    void execute(Runnable drain) {
        executor.execute(drain);
    }

    /**
     * Rethrows a linking failure, if one happened, on the calling (writer's) thread.
     *
     * @throws IllegalStateException wrapping the failure
     */
    public void checkFailure() {
        Throwable t = failure;
        if (t != null) {
            throw new IllegalStateException("linking written points into an index failed", t);
        }
    }

    /**
     * Waits until {@code lane} has nothing queued; rethrows a linking failure (of any lane).
     *
     * @throws IllegalStateException when linking failed
     */
    void await(LinkLane lane) {
        synchronized (lock) {
            waitWhile(() -> lane.pending > 0);
        }
        checkFailure();
    }

    /** How many ops {@code lane} has taken so far: a mark for {@link #awaitLinked}. */
    long reservedSoFar(LinkLane lane) {
        synchronized (lock) {
            return lane.reservedTotal;
        }
    }

    /**
     * Any thread: waits until the first {@code mark} ops taken by {@code lane} are in its index,
     * whatever the writer queues meanwhile; rethrows a linking failure (of any lane).
     *
     * @throws IllegalStateException when linking failed or the wait was interrupted
     */
    void awaitLinked(LinkLane lane, long mark) {
        synchronized (lock) {
            waitWhile(() -> lane.linkedTotal < mark);
        }
        checkFailure();
    }

    /**
     * Writer only: waits until every lane is empty, so each op written so far is in its index.
     *
     * @throws IllegalStateException when linking failed
     */
    public void awaitIdle() {
        synchronized (lock) {
            awaitEmpty();
        }
        checkFailure();
    }

    /** Held: waits until no op is queued on any lane. */
    private void awaitEmpty() {
        waitWhile(() -> queued > 0);
    }

    /**
     * Waits for the lanes to empty (a failed lane gives its ops up), then stops the threads these
     * lanes own: no drain writes to an index once this returns. Does not rethrow a failure.
     */
    @Override
    public void close() {
        try {
            synchronized (lock) {
                awaitEmpty();
            }
        } finally {
            synchronized (lock) {
                if (timer != null) {
                    timer.shutdownNow();
                }
            }
            if (owned != null) {
                owned.shutdownNow();
            }
        }
    }

    /**
     * Waits on {@code monitor} (held); an interrupt (a cancelled task) ends the wait with an
     * exception and the interrupt flag set.
     */
    private static void waitOn(Object monitor) {
        try {
            monitor.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the link lanes", e);
        }
    }
}
