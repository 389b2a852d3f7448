package io.quiver.shard;

import io.quiver.index.VectorIndex;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One collection's ordered queue of index ops (upsert id + vector, delete id) that are searchable
 * already, by exact scan of its {@link LiveCollection}'s points, but not yet linked into its index.
 *
 * <p>An id with a queued op is <em>masked</em>: {@link #masked} maps it to the sequence number of
 * its newest queued op, and a drain removes the entry only once that op is in the index (an id
 * written again meanwhile keeps its newer entry). Searches skip masked ids in the index and score
 * them exactly instead.
 *
 * <p>Drains run on the {@link LinkLanes}' executor, at most one per lane at a time, each taking up
 * to {@link #MAX_DRAIN} ops in queue order and then yielding the thread to other lanes. A drain
 * links consecutive upserts as one group (last vector per id) and applies a delete between two
 * groups, so the index sees each id's ops in order.
 *
 * <p>With a linger ({@link LinkLanes#lingerMillis}) a lane starts a drain once it holds {@link
 * #GROUP} ops, or once its oldest op has waited the linger, or at once when someone waits for it
 * ({@link #drainNow}). Inserts into one graph one after another find its neighbourhoods in cache:
 * in a 3,125-point graph of 128-d vectors, M 16, 16 such graphs taking inserts in turn, an insert
 * took about 510 µs one graph at a time and 245 µs in runs of 32 (on a loaded machine).
 */
final class LinkLane {

    /**
     * Ops one drain takes before it yields: as large as a full upsert batch, so a batch links in
     * one group, and small enough that a busy collection does not hold a thread for long.
     */
    static final int MAX_DRAIN = 512;

    /** Ops at which a lingering lane starts its drain at once. */
    static final int GROUP = 32;

    private record Op(String id, float[] vector, long seq, long enqueuedNanos) {}

    private final LiveCollection owner;
    private final LinkLanes lanes;
    private final ConcurrentLinkedQueue<Op> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<String, Long> masked = new ConcurrentHashMap<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final AtomicBoolean lingering = new AtomicBoolean();
    private final AtomicInteger queuedOps = new AtomicInteger();
    private long seq; // writer only

    /** Ops counted against the bound and not yet linked; guarded by the lanes' lock. */
    int pending;

    /** Ops ever counted against the bound on this lane; guarded by the lanes' lock. */
    long reservedTotal;

    /**
     * Ops ever linked on this lane (or given up after a failure); guarded by the lanes' lock.
     * Drains take ops in queue order, so the first {@code linkedTotal} ops reserved are in the
     * index.
     */
    long linkedTotal;

    LinkLane(LiveCollection owner, LinkLanes lanes) {
        this.owner = owner;
        this.lanes = lanes;
    }

    LinkLanes lanes() {
        return lanes;
    }

    /** Writer only: blocks until {@code n} more ops fit the lanes' bound. */
    void reserve(int n) {
        lanes.reserve(this, n);
    }

    /**
     * Writer only: masks {@code id} before its point changes, so no search can see the new point
     * state while the index still answers for the id; returns the op's sequence number.
     */
    long mask(String id) {
        long s = ++seq;
        masked.put(id, s);
        return s;
    }

    /**
     * Writer only: queues an upsert ({@code vector} not null) or a delete masked as {@code seq}.
     */
    void add(String id, float[] vector, long seq) {
        queue.add(new Op(id, vector, seq, System.nanoTime()));
        queuedOps.incrementAndGet();
    }

    /**
     * Writer only, after {@link #add}: starts a drain unless one is running or scheduled, or, with
     * a linger, once enough ops are queued or the linger has passed.
     */
    void schedule() {
        drainOrLinger();
    }

    /** Drains at once without a linger, with a group queued or with someone waiting; else later. */
    private void drainOrLinger() {
        if (lanes.lingerMillis() == 0 || queuedOps.get() >= GROUP || lanes.urgent()) {
            drainNow();
        } else if (lingering.compareAndSet(false, true)) {
            lanes.afterLinger(
                    () -> {
                        lingering.set(false);
                        drainNow();
                    });
        }
    }

    /** Any thread: starts a drain of whatever is queued, unless one is running or scheduled. */
    void drainNow() {
        if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
            submit();
        }
    }

    private void submit() {
        try {
            lanes.execute(this::drain);
        } catch (RuntimeException e) {
            // Rejected: the executor stopped. The ops stay searchable by scan until a restart.
            queue.clear();
            queuedOps.set(0);
            lanes.failed(this, e);
        }
    }

    boolean anyMasked() {
        return !masked.isEmpty();
    }

    int maskedCount() {
        return masked.size();
    }

    /** A copy of the masked ids at this moment. */
    Set<String> maskedIds() {
        return new HashSet<>(masked.keySet());
    }

    private void drain() {
        try {
            drainSome();
        } catch (Throwable t) {
            // The index may hold part of a group: it is no longer what was written. Nothing more
            // is linked here; the writer rethrows at its next op and the job restarts.
            queue.clear();
            queuedOps.set(0);
            lanes.failed(this, t);
            return;
        }
        scheduled.set(false);
        // An op queued after the poll saw the queue empty, whose writer or linger found the lane
        // still scheduled, is picked up here: at once when a group is queued or the lanes are
        // waited for, else after a linger.
        if (!queue.isEmpty()) {
            drainOrLinger();
        }
    }

    private void drainSome() {
        // Swaps of the index happen only while the lane is empty, so it is read once.
        VectorIndex index = owner.index();
        Map<String, Op> group = new LinkedHashMap<>();
        int grouped = 0;
        for (int taken = 0; taken < MAX_DRAIN; taken++) {
            Op op = queue.poll();
            if (op == null) {
                break;
            }
            queuedOps.decrementAndGet();
            if (op.vector() != null) {
                group.put(op.id(), op);
                grouped++;
                continue;
            }
            linkGroup(index, group, grouped);
            group.clear();
            grouped = 0;
            index.delete(op.id());
            done(op);
            lanes.linked(this, 1);
        }
        linkGroup(index, group, grouped);
    }

    /** Links one group of upserts ({@code grouped} ops, the superseded ones included). */
    private void linkGroup(VectorIndex index, Map<String, Op> group, int grouped) {
        if (group.isEmpty()) {
            return;
        }
        List<Op> ops = new ArrayList<>(group.values());
        String[] ids = new String[ops.size()];
        float[][] vectors = new float[ops.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ops.get(i).id();
            vectors[i] = ops.get(i).vector();
        }
        LiveCollection.link(index, ids, vectors);
        for (Op op : ops) {
            done(op);
        }
        lanes.linked(this, grouped);
    }

    /** The op is in the index: unmask its id unless a newer op of the id is queued. */
    private void done(Op op) {
        masked.remove(op.id(), op.seq());
        lanes.lag(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - op.enqueuedNanos()));
    }
}
