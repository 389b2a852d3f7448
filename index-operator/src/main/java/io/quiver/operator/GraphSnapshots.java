package io.quiver.operator;

import io.quiver.index.hnsw.HnswIndex;
import io.quiver.operator.snapshot.GraphSnapshot;
import io.quiver.operator.snapshot.SnapshotHeader;
import io.quiver.operator.snapshot.SnapshotOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every owned HNSW collection's graph snapshot and delta log in keyed state (layout in
 * docs/state-layout.md) and decides when to write a new snapshot.
 *
 * <p>Epochs: each tracked collection hands out increasing epochs. Every id touched is logged in the
 * delta with the epoch the next snapshot will get; starting a snapshot takes that epoch and moves
 * later ids to the one after. The snapshot is cut when the background thread gets the index's
 * writer lock, after every op logged with its epoch or lower, so committing it may drop exactly
 * those delta entries; ids logged later stay and are replayed on top of it. Replay reads the
 * records, so replaying an op the snapshot already holds is harmless.
 *
 * <p>An op is logged when it is applied, before its point is linked into the graph on its
 * collection's link lane ({@link ShardWriter}); the snapshot thread therefore cuts a snapshot only
 * once that lane has linked every op queued before the snapshot started ({@link LinkWait}). The
 * task thread does not wait for it: ops it queues later carry the next epoch, so the cut may hold
 * some of them, and replaying those is harmless. No checkpoint barrier waits for a lane: the
 * records and delta log in state describe every write, linked or not, so a restore (snapshot plus
 * delta replay) needs nothing else.
 *
 * <p>Threading: everything but the wait for the lane and the serialization runs on the task thread;
 * those run on one background thread per operator and its bytes are written to state by {@link
 * #commitFinished()} on the task thread. Nothing is lost when a serialization fails or the job
 * stops before a commit: the previous snapshot and the full delta stay valid.
 */
final class GraphSnapshots {

    private static final Logger LOG = LoggerFactory.getLogger(GraphSnapshots.class);

    static final char SEPARATOR = '\u0000';

    /** How long one {@link #commitFinished} call goes on committing snapshots (10 ms). */
    static final long COMMIT_BUDGET_NANOS = 10_000_000L;

    private final MapState<String, byte[]> chunks;
    private final MapState<String, byte[]> headers;
    private final MapState<String, Long> delta;
    private final SnapshotOptions options;
    private final IntConsumer setCurrentKey;
    private final LinkWait linkWait;
    private final Map<Integer, Map<String, Tracked>> tracked = new HashMap<>();
    private ExecutorService executor;
    private volatile long lastSnapshotBytes;
    private volatile long snapshotsWritten;
    private volatile long deltaLengthSeen;
    private volatile long snapshotsDeferred;
    private long lastCheckpointMillis = -1;

    /** One HNSW collection of one shard, as far as snapshots go. */
    private static final class Tracked {
        final int shardKey;
        final String collection;
        HnswIndex index;
        long committedEpoch;
        long nextEpoch;
        long deltaIds;
        long checkpointsSince;
        long opsSinceCheckpoint;
        Future<GraphSnapshot> inFlight;

        Tracked(
                int shardKey,
                String collection,
                HnswIndex index,
                long committedEpoch,
                long nextEpoch,
                long deltaIds) {
            this.shardKey = shardKey;
            this.collection = collection;
            this.index = index;
            this.committedEpoch = committedEpoch;
            this.nextEpoch = nextEpoch;
            this.deltaIds = deltaIds;
        }
    }

    GraphSnapshots(
            MapState<String, byte[]> chunks,
            MapState<String, byte[]> headers,
            MapState<String, Long> delta,
            SnapshotOptions options,
            IntConsumer setCurrentKey,
            LinkWait linkWait) {
        this.linkWait = linkWait;
        this.chunks = chunks;
        this.headers = headers;
        this.delta = delta;
        this.options = options;
        this.setCurrentKey = setCurrentKey;
    }

    static MapStateDescriptor<String, byte[]> chunksDescriptor() {
        return new MapStateDescriptor<>(
                "graph-chunks", StringSerializer.INSTANCE, BytePrimitiveArraySerializer.INSTANCE);
    }

    static MapStateDescriptor<String, byte[]> headersDescriptor() {
        return new MapStateDescriptor<>(
                "graph-headers", StringSerializer.INSTANCE, BytePrimitiveArraySerializer.INSTANCE);
    }

    static MapStateDescriptor<String, Long> deltaDescriptor() {
        return new MapStateDescriptor<>(
                "graph-delta", StringSerializer.INSTANCE, LongSerializer.INSTANCE);
    }

    static String chunkKey(String collection, long epoch, int chunk) {
        return collection + SEPARATOR + epoch + SEPARATOR + chunk;
    }

    MapState<String, byte[]> chunks() {
        return chunks;
    }

    MapState<String, byte[]> headers() {
        return headers;
    }

    MapState<String, Long> delta() {
        return delta;
    }

    /**
     * Starts tracking a collection's HNSW index (at restore or when the collection is created).
     *
     * @param committedEpoch the epoch of the snapshot in state, or -1 for none
     * @param nextEpoch the epoch the next snapshot gets; above every epoch in the delta log
     * @param deltaIds ids in the delta log (or the collection's size when it has no snapshot)
     * @param soon snapshot at the next checkpoint when anything is to be saved
     */
    void track(
            int shardKey,
            String collection,
            HnswIndex index,
            long committedEpoch,
            long nextEpoch,
            long deltaIds,
            boolean soon) {
        Tracked t = new Tracked(shardKey, collection, index, committedEpoch, nextEpoch, deltaIds);
        if (soon) {
            t.checkpointsSince = options.everyCheckpoints();
        }
        tracked.computeIfAbsent(shardKey, k -> new HashMap<>()).put(collection, t);
    }

    /** Logs that {@code id} changed; the current key is {@code shardKey}. */
    void touched(int shardKey, String collection, String id) throws Exception {
        Tracked t = get(shardKey, collection);
        if (t != null) {
            delta.put(ShardWriter.storeKey(collection, id), t.nextEpoch);
            t.opsSinceCheckpoint++;
            // Counts ops, not distinct ids, until the next commit recounts: a rewrite comes early
            // at worst.
            t.deltaIds++;
        }
    }

    /**
     * Forgets the collection's snapshot and delta log because its index was replaced or deleted;
     * the current key is {@code shardKey}. A snapshot of the old index still being serialized is
     * dropped when it completes. {@code next} is the new index to track, or null.
     */
    void replaced(int shardKey, String collection, HnswIndex next) throws Exception {
        Map<String, Tracked> shard = tracked.get(shardKey);
        Tracked old = shard == null ? null : shard.remove(collection);
        clearState(collection);
        if (next != null) {
            long nextEpoch = old == null ? 1 : old.nextEpoch + 1;
            track(shardKey, collection, next, -1, nextEpoch, next.size(), false);
        }
    }

    /**
     * Starts tracking {@code next}, a rebuilt index that holds every op applied so far, in place of
     * the collection's old one, and snapshots it right away (at the next checkpoint when a
     * serialization is still running); the current key is {@code shardKey}. The committed snapshot
     * and delta log stay valid until the new snapshot commits: they describe the same points.
     */
    void rebuilt(int shardKey, String collection, HnswIndex next) throws Exception {
        Tracked t = get(shardKey, collection);
        if (t == null) {
            // The spec changed: the old graph state was dropped with the old spec.
            track(shardKey, collection, next, -1, 1, next.size(), true);
            t = get(shardKey, collection);
        }
        t.index = next;
        t.deltaIds = Math.max(t.deltaIds, 1);
        if (t.inFlight == null) {
            start(t);
        } else {
            t.checkpointsSince = options.everyCheckpoints();
        }
    }

    private void clearState(String collection) throws Exception {
        byte[] h = headers.get(collection);
        if (h != null) {
            headers.remove(collection);
            removeChunks(collection, h);
        }
        String prefix = collection + SEPARATOR;
        for (Iterator<String> it = delta.keys().iterator(); it.hasNext(); ) {
            if (it.next().startsWith(prefix)) {
                it.remove();
            }
        }
    }

    private void removeChunks(String collection, byte[] headerBytes) throws Exception {
        SnapshotHeader old;
        try {
            old = SnapshotHeader.fromBytes(headerBytes);
        } catch (IllegalArgumentException e) {
            return; // an unreadable header's chunks cannot be named; they are never read again
        }
        for (int i = 0; i < old.chunkCount(); i++) {
            chunks.remove(chunkKey(collection, old.epoch(), i));
        }
    }

    /**
     * Called before every checkpoint barrier on the task thread, {@code nowMillis} being the
     * processing time: commits finished snapshots, then starts one for every collection past its
     * delta bound and for up to {@code ceil(collections / every-checkpoints)} of those due by count
     * (the longest waiting first), none for a collection that has one running. A collection's
     * ingest rate is its ops since the previous call over the time since then (none at the first
     * call).
     */
    void beforeCheckpoint(long nowMillis) throws Exception {
        commitFinished();
        double seconds =
                lastCheckpointMillis < 0 ? 0 : Math.max(1, nowMillis - lastCheckpointMillis) / 1e3;
        lastCheckpointMillis = nowMillis;
        List<Tracked> dueByCount = new ArrayList<>();
        int count = 0;
        for (Map<String, Tracked> shard : tracked.values()) {
            for (Tracked t : shard.values()) {
                count++;
                t.checkpointsSince++;
                double rate = seconds == 0 ? 0 : t.opsSinceCheckpoint / seconds;
                t.opsSinceCheckpoint = 0;
                if (t.inFlight != null) {
                    continue;
                }
                if (options.pastDeltaBound(t.deltaIds, t.index.size())) {
                    start(t);
                } else if (options.due(t.deltaIds, t.index.size(), t.checkpointsSince, rate)) {
                    dueByCount.add(t);
                } else if (options.due(t.deltaIds, t.index.size(), t.checkpointsSince)) {
                    snapshotsDeferred++;
                }
            }
        }
        // Collections created together would all come due at the same checkpoint, whose sync
        // phase then flushes every graph at once. A share of them per checkpoint, longest waiting
        // first, spreads the rewrites over the cadence.
        dueByCount.sort((a, b) -> Long.compare(b.checkpointsSince, a.checkpointsSince));
        int budget =
                Math.max(1, (count + options.everyCheckpoints() - 1) / options.everyCheckpoints());
        for (int i = 0; i < dueByCount.size() && i < budget; i++) {
            start(dueByCount.get(i));
        }
        deltaLengthSeen = deltaLength();
    }

    private void start(Tracked t) {
        // The cut must include every op logged with this epoch or lower: the snapshot thread waits
        // until the lane has linked them all, the task thread goes on meanwhile.
        Runnable linked = linkWait.linkedSoFar(t.shardKey, t.collection);
        long epoch = t.nextEpoch++;
        HnswIndex index = t.index;
        if (executor == null) {
            executor =
                    Executors.newSingleThreadExecutor(
                            r -> {
                                Thread thread = new Thread(r, "quiver-graph-snapshots");
                                thread.setDaemon(true);
                                return thread;
                            });
        }
        t.inFlight =
                executor.submit(
                        () -> {
                            linked.run();
                            return GraphSnapshot.write(index, epoch, GraphSnapshot.CHUNK_BYTES);
                        });
    }

    /**
     * Writes completed snapshots into state, for about {@link #COMMIT_BUDGET_NANOS} at most (at
     * least one), and returns whether any completed one is left for the next call; runs on the task
     * thread. A commit writes the chunks and trims the collection's delta log, tens of ms each
     * under load; collections that crossed their delta bound together finish together, and
     * committing them all at once held the task thread (so every write behind it) for half a
     * second.
     */
    boolean commitFinished() throws Exception {
        long start = System.nanoTime();
        boolean committed = false;
        for (Map.Entry<Integer, Map<String, Tracked>> shard : tracked.entrySet()) {
            for (Map.Entry<String, Tracked> e : shard.getValue().entrySet()) {
                Tracked t = e.getValue();
                if (t.inFlight == null || !t.inFlight.isDone()) {
                    continue;
                }
                if (committed && System.nanoTime() - start > COMMIT_BUDGET_NANOS) {
                    return true;
                }
                committed = true;
                GraphSnapshot snapshot;
                try {
                    snapshot = t.inFlight.get();
                } catch (ExecutionException failed) {
                    // The previous snapshot and the whole delta log stay valid; retried when due.
                    LOG.warn(
                            "graph snapshot of collection '{}' failed; keeping the previous one",
                            e.getKey(),
                            failed.getCause());
                    continue;
                } finally {
                    t.inFlight = null;
                }
                setCurrentKey.accept(shard.getKey());
                commit(e.getKey(), t, snapshot);
            }
        }
        return false;
    }

    private void commit(String collection, Tracked t, GraphSnapshot snapshot) throws Exception {
        SnapshotHeader header = snapshot.header();
        byte[] previous = headers.get(collection);
        for (int i = 0; i < snapshot.chunks().size(); i++) {
            chunks.put(chunkKey(collection, header.epoch(), i), snapshot.chunks().get(i));
        }
        headers.put(collection, header.toBytes());
        if (previous != null) {
            removeChunks(collection, previous);
        }
        String prefix = collection + SEPARATOR;
        long left = 0;
        for (Iterator<Map.Entry<String, Long>> it = delta.iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> d = it.next();
            if (d.getKey().startsWith(prefix)) {
                if (d.getValue() <= header.epoch()) {
                    it.remove();
                } else {
                    left++;
                }
            }
        }
        t.committedEpoch = header.epoch();
        t.deltaIds = left;
        t.checkpointsSince = 0;
        lastSnapshotBytes = header.totalBytes();
        snapshotsWritten++;
        LOG.debug(
                "graph snapshot {} of collection '{}': {} bytes in {} chunks, {} ids left in the"
                        + " delta log",
                header.epoch(),
                collection,
                header.totalBytes(),
                header.chunkCount(),
                left);
    }

    private Tracked get(int shardKey, String collection) {
        Map<String, Tracked> shard = tracked.get(shardKey);
        return shard == null ? null : shard.get(collection);
    }

    /** Whether no serialization is running; for tests. */
    boolean idle() {
        return !anyInFlight(true);
    }

    /** Whether a snapshot is being serialized or waits for its commit; for tests. */
    boolean uncommitted() {
        return anyInFlight(false);
    }

    /** Whether a collection has a snapshot in flight (with {@code running}: not yet serialized). */
    private boolean anyInFlight(boolean running) {
        for (Map<String, Tracked> shard : tracked.values()) {
            for (Tracked t : shard.values()) {
                if (t.inFlight != null && !(running && t.inFlight.isDone())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The epoch of the committed snapshot, -1 for none or an untracked collection. */
    long committedEpoch(int shardKey, String collection) {
        Tracked t = get(shardKey, collection);
        return t == null ? -1 : t.committedEpoch;
    }

    /** The newest committed snapshot epoch over the shard's collections, 0 for none. */
    long shardEpoch(int shardKey) {
        Map<String, Tracked> shard = tracked.get(shardKey);
        long epoch = 0;
        if (shard != null) {
            for (Tracked t : shard.values()) {
                epoch = Math.max(epoch, t.committedEpoch);
            }
        }
        return epoch;
    }

    /** Ids in the delta logs of all tracked collections (an upper bound between commits). */
    long deltaLength() {
        long n = 0;
        for (Map<String, Tracked> shard : tracked.values()) {
            for (Tracked t : shard.values()) {
                n += t.deltaIds;
            }
        }
        return n;
    }

    /** {@link #deltaLength()} as of the last checkpoint; safe to read from any thread. */
    long deltaLengthSeen() {
        return deltaLengthSeen;
    }

    /** Snapshots that were due by count but waited because of heavy ingest; any thread. */
    long snapshotsDeferred() {
        return snapshotsDeferred;
    }

    long lastSnapshotBytes() {
        return lastSnapshotBytes;
    }

    long snapshotsWritten() {
        return snapshotsWritten;
    }

    /** Stops the background thread; a snapshot still being serialized is dropped. */
    void close() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    /**
     * Called on the task thread: returns a wait, run on the snapshot thread, until every point of
     * the collection written so far is in its graph.
     */
    @FunctionalInterface
    interface LinkWait {
        Runnable linkedSoFar(int shardKey, String collection);
    }
}
