package io.quiver.operator;

import io.quiver.index.hnsw.HnswIndex;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.shard.LinkLanes;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.IntConsumer;
import org.apache.flink.api.common.state.MapState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link ShardOp}s to one shard at a time: to its keyed state (the caller has set the
 * current key to the op's shard) and to its live, searchable collections. Runs on the task thread
 * only. The rules are documented on {@link IndexOperator}.
 *
 * <p>Upserts may wait in an {@link UpsertBatch} (see {@link BatchOptions}); every other op, and
 * {@link #flush()}, applies the waiting ones first, in arrival order, so an op never overtakes an
 * earlier one and a MARKER is applied only once everything before it is searchable. Waiting upserts
 * are in neither state nor index: the owner flushes before each checkpoint barrier.
 *
 * <p>With {@link BatchOptions#MAX_UNLINKED} above 0 a write is searchable once applied and its
 * index op waits on its collection's link lane ({@link LinkLanes}); a spec change or deletion of
 * the collection, {@link #flushAndLink()} (at the end of input) and {@link #close()} wait until the
 * lanes concerned are empty (graph snapshots wait on their own, see {@link GraphSnapshots}), and a
 * linking failure is rethrown by the next op.
 */
final class ShardWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ShardWriter.class);

    private static final char SEPARATOR = '\u0000';

    /** The timestamp of an op whose record carried none (a restore, a parked record). */
    static final long NO_TIMESTAMP = Long.MIN_VALUE;

    private final MapState<String, StoredRecord> records;
    private final MapState<String, byte[]> specs;
    private final MapState<Integer, Long> applied;
    private final IndexFactory indexFactory;
    private final IndexMetrics metrics;
    private final GraphSnapshots snapshots;
    private final BackgroundRebuilds rebuilds;
    private final BatchOptions batchOptions;
    private final UpsertBatch batch;
    private final LinkLanes lanes;
    private final IntConsumer setCurrentKey;

    ShardWriter(
            MapState<String, StoredRecord> records,
            MapState<String, byte[]> specs,
            MapState<Integer, Long> applied,
            IndexFactory indexFactory,
            IndexMetrics metrics,
            GraphSnapshots snapshots,
            BackgroundRebuilds rebuilds,
            BatchOptions batchOptions,
            int batchThreads,
            Executor linkExecutor,
            IntConsumer setCurrentKey) {
        this.batchOptions = batchOptions;
        if (batchOptions.maxUnlinked() == 0) {
            this.lanes = null;
        } else if (linkExecutor == null) {
            this.lanes =
                    LinkLanes.withThreads(
                            batchThreads,
                            batchOptions.maxUnlinked(),
                            batchOptions.linkLingerMillis(),
                            metrics::linked);
        } else {
            this.lanes =
                    new LinkLanes(
                            linkExecutor,
                            batchOptions.maxUnlinked(),
                            batchOptions.linkLingerMillis(),
                            metrics::linked);
        }
        // With link lanes a batch only queues its points, which takes no build threads.
        this.batch = new UpsertBatch(lanes == null ? batchThreads : 1);
        this.setCurrentKey = setCurrentKey;
        this.snapshots = snapshots;
        this.rebuilds = rebuilds;
        this.records = records;
        this.specs = specs;
        this.applied = applied;
        this.indexFactory = indexFactory;
        this.metrics = metrics;
    }

    /**
     * Applies {@code op}, or buffers it when it is an upsert and batching is on; returns true when
     * the op started a new batch (the caller then arranges a {@link #flush()} within the batch
     * delay). {@code timestamp} is the op's Kafka record timestamp, or {@link #NO_TIMESTAMP}: an
     * upsert or delete that carries one feeds the apply-lag histogram once it is searchable.
     */
    boolean apply(LiveShard shard, ShardOp op, long timestamp) throws Exception {
        checkLinking();
        if (op.kind == ShardOp.Kind.UPSERT && batchOptions.batching()) {
            batch.add(shard, op, timestamp);
            if (batch.size() >= batchOptions.maxOps()) {
                flush();
                return false;
            }
            return batch.size() == 1;
        }
        if (!batch.isEmpty()) {
            flush();
            setCurrentKey.accept(op.shardKey);
        }
        switch (op.kind) {
            case UPSERT:
                upsert(shard, op);
                metrics.searchable(timestamp, System.currentTimeMillis());
                break;
            case DELETE:
                delete(shard, op);
                metrics.searchable(timestamp, System.currentTimeMillis());
                break;
            case COLLECTION:
                changeCollection(shard, op);
                break;
            case MARKER:
                Long current = applied.get(op.partition);
                if (current == null || current < op.offset) {
                    applied.put(op.partition, op.offset);
                }
                shard.advance(op.partition, op.offset);
                break;
            default:
                throw new IllegalStateException("unknown op kind " + op.kind);
        }
        return false;
    }

    /**
     * Applies every waiting upsert: records to state in arrival order on this thread, then the
     * points to their collections (see {@link UpsertBatch#applyPoints()}). Leaves the current key
     * at the last upsert's shard.
     */
    void flush() throws Exception {
        checkLinking();
        if (batch.isEmpty()) {
            return;
        }
        long[] timestamps = batch.timestamps();
        for (int i = 0; i < batch.size(); i++) {
            ShardOp op = batch.op(i);
            setCurrentKey.accept(op.shardKey);
            LiveCollection collection = store(batch.shard(i), op);
            if (collection != null) {
                batch.addPoint(collection, op.id, op.vector, op.payload);
            }
        }
        batch.clearOps();
        batch.applyPoints();
        long now = System.currentTimeMillis();
        for (long t : timestamps) {
            metrics.searchable(t, now);
        }
    }

    /**
     * {@link #flush()}, then waits until every point written so far is linked into its index.
     *
     * @throws IllegalStateException when linking failed
     */
    void flushAndLink() throws Exception {
        flush();
        if (lanes != null) {
            lanes.awaitIdle();
        }
    }

    /**
     * Makes {@code collection} link in the background when link lanes are on; call once per live
     * collection, after any bulk fill.
     */
    void attach(LiveCollection collection) {
        if (lanes != null) {
            collection.linkOn(lanes);
        }
    }

    /** Ops written but not yet linked (0 without link lanes). */
    int unlinked() {
        return lanes == null ? 0 : lanes.queued();
    }

    /** A failure while linking in the background surfaces here, on the task thread. */
    private void checkLinking() {
        if (lanes != null) {
            lanes.checkFailure();
        }
    }

    /** Waits for the link lanes to empty, then stops them and the batch threads. */
    void close() {
        try {
            if (lanes != null) {
                lanes.close();
            }
        } finally {
            batch.close();
        }
    }

    private void upsert(LiveShard shard, ShardOp op) throws Exception {
        LiveCollection collection = store(shard, op);
        if (collection != null) {
            collection.upsert(op.id, op.vector, op.payload);
        }
    }

    /**
     * The state half of an upsert: checks it, writes the record and logs the id for snapshots and
     * rebuilds; returns the collection the point is for, or null when the upsert is dropped.
     */
    private LiveCollection store(LiveShard shard, ShardOp op) throws Exception {
        LiveCollection collection = shard.collection(op.collection);
        if (collection == null || op.vector.length != collection.index().dimension()) {
            // Decode sends the spec before the first record on the same channel, so this only
            // happens when a collection was deleted or changed dimension while records of the
            // old definition were in flight: they no longer fit and are dropped.
            metrics.rejectedOps.inc();
            return null;
        }
        String key = storeKey(op.collection, op.id);
        if (op.version != ShardOp.NO_VERSION) {
            StoredRecord old = records.get(key);
            if (old != null && old.version > op.version) {
                metrics.staleWrites.inc();
                return null;
            }
        }
        records.put(
                key, new StoredRecord(op.vector, op.payload, op.version, op.partition, op.offset));
        // Logged before the point reaches the index: no snapshot or rebuild can start in between,
        // both start on this thread.
        snapshots.touched(op.shardKey, op.collection, op.id);
        rebuilds.touched(op.shardKey, op.collection, op.id);
        metrics.applied(metrics.upserts);
        return collection;
    }

    private void delete(LiveShard shard, ShardOp op) throws Exception {
        String key = storeKey(op.collection, op.id);
        StoredRecord old = records.get(key);
        if (old == null) {
            return;
        }
        if (op.version != ShardOp.NO_VERSION && old.version > op.version) {
            metrics.staleWrites.inc();
            return;
        }
        records.remove(key);
        LiveCollection collection = shard.collection(op.collection);
        if (collection != null) {
            collection.delete(op.id);
        }
        snapshots.touched(op.shardKey, op.collection, op.id);
        rebuilds.touched(op.shardKey, op.collection, op.id);
        metrics.applied(metrics.deletes);
    }

    /**
     * Applies a spec change. Same index parameters: the index stays. Same dimension and metric but
     * other index parameters (type, {@code m}, {@code ef_construction}, storage): the old index
     * keeps serving while a new one is built in the background ({@link BackgroundRebuilds}).
     * Otherwise the index is rebuilt from the records at once when the dimension still fits, and
     * the collection's records are dropped when it does not (they could never be searched again). A
     * deletion drops the collection's records and spec.
     */
    private void changeCollection(LiveShard shard, ShardOp op) throws Exception {
        String name = op.collection;
        LiveCollection linking = shard.collection(name);
        if (linking != null) {
            // The index is snapshotted, swapped or dropped below: it must hold every write.
            linking.awaitLinked();
        }
        byte[] current = specs.get(name);
        if (op.payload == null) {
            rebuilds.cancel(op.shardKey, name);
            if (current != null) {
                int dropped = dropRecords(name);
                specs.remove(name);
                shard.removeCollection(name);
                snapshots.replaced(op.shardKey, name, null);
                // Debug: a deletion reaches every shard from every decode subtask.
                LOG.debug(
                        "collection '{}' deleted: dropped {} records from shard {}",
                        name,
                        dropped,
                        shard.shard());
            }
            return;
        }
        if (Arrays.equals(current, op.payload)) {
            return;
        }
        CollectionSpec next;
        try {
            next = CollectionSpecs.decode(name, op.payload);
        } catch (IllegalArgumentException e) {
            // Decode validated the spec already; a spec this side cannot read is kept out.
            LOG.warn("ignoring an unreadable spec for collection '{}'", name, e);
            return;
        }
        // The newest spec decides; a rebuild for an older one is of no use any more.
        boolean untracked = rebuilds.cancel(op.shardKey, name);
        LiveCollection existing = shard.collection(name);
        if (existing != null) {
            CollectionSpec previous = CollectionSpecs.decode(name, existing.spec());
            if (sameIndex(previous, next)) {
                existing.setSpec(op.payload, next.getIndex().getEf());
                specs.put(name, op.payload);
                if (untracked && existing.index() instanceof HnswIndex) {
                    // Back to the served index's parameters: its graph is snapshotted again.
                    snapshots.replaced(op.shardKey, name, (HnswIndex) existing.index());
                }
                return;
            }
            if (previous.getDimension() == next.getDimension()
                    && previous.getMetric() == next.getMetric()) {
                specs.put(name, op.payload);
                // The old graph's snapshot no longer matches the spec; the rebuilt one is
                // snapshotted when it is swapped in.
                snapshots.replaced(op.shardKey, name, null);
                rebuilds.start(op.shardKey, shard, existing, op.payload, true);
                return;
            }
        }
        LiveCollection fresh = newCollection(indexFactory, name, op.payload);
        if (current != null) {
            int dropped = 0;
            List<Map.Entry<String, StoredRecord>> kept = new ArrayList<>();
            for (Map.Entry<String, StoredRecord> e : records.entries()) {
                if (collectionOf(e.getKey()).equals(name)) {
                    kept.add(e);
                }
            }
            for (Map.Entry<String, StoredRecord> e : kept) {
                if (e.getValue().vector.length == next.getDimension()) {
                    fresh.upsert(idOf(e.getKey()), e.getValue().vector, e.getValue().payload);
                } else {
                    records.remove(e.getKey());
                    dropped++;
                }
            }
            if (dropped > 0) {
                LOG.debug(
                        "collection '{}' changed dimension: dropped {} records from shard {}",
                        name,
                        dropped,
                        shard.shard());
            }
        }
        specs.put(name, op.payload);
        attach(fresh);
        shard.putCollection(fresh);
        snapshots.replaced(
                op.shardKey,
                name,
                fresh.index() instanceof HnswIndex ? (HnswIndex) fresh.index() : null);
    }

    private static boolean sameIndex(CollectionSpec a, CollectionSpec b) {
        return a.getDimension() == b.getDimension()
                && a.getMetric() == b.getMetric()
                && a.getIndex().getType() == b.getIndex().getType()
                && a.getIndex().getStorage() == b.getIndex().getStorage()
                && a.getIndex().getM() == b.getIndex().getM()
                && a.getIndex().getEfConstruction() == b.getIndex().getEfConstruction();
    }

    private int dropRecords(String collection) throws Exception {
        int dropped = 0;
        for (Iterator<String> it = records.keys().iterator(); it.hasNext(); ) {
            if (collectionOf(it.next()).equals(collection)) {
                it.remove();
                dropped++;
            }
        }
        return dropped;
    }

    /** A fresh, empty live collection for {@code spec}. */
    static LiveCollection newCollection(IndexFactory indexFactory, String name, byte[] spec) {
        CollectionSpec parsed = CollectionSpecs.decode(name, spec);
        return new LiveCollection(
                name, spec, parsed.getIndex().getEf(), indexFactory.create(parsed));
    }

    static String storeKey(String collection, String id) {
        return collection + SEPARATOR + id;
    }

    static String collectionOf(String storeKey) {
        return storeKey.substring(0, storeKey.indexOf(SEPARATOR));
    }

    static String idOf(String storeKey) {
        return storeKey.substring(storeKey.indexOf(SEPARATOR) + 1);
    }
}
