package io.quiver.operator;

import io.quiver.operator.snapshot.SnapshotOptions;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.status.ShardStatus;
import io.quiver.shard.AppliedOffsets;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import io.quiver.shard.ShardServer;
import io.quiver.shard.ShardServerOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.IntSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyed index operator: one Flink key per logical shard (see {@link ShardKeys}), fed by {@link
 * ShardOp}s, emitting nothing.
 *
 * <p>State per shard key:
 *
 * <ul>
 *   <li>{@code records}: {@code MapState<collection + '\0' + id, StoredRecord>} in RocksDB, the
 *       durable truth every in-heap index is rebuilt from;
 *   <li>{@code specs}: {@code MapState<collection, spec JSON bytes>};
 *   <li>{@code applied}: {@code MapState<partition, offset>}, the highest upserts-topic offset per
 *       partition covered by a MARKER this shard processed;
 *   <li>{@value ShardStatus#QUERYABLE_NAME}: a queryable {@code ValueState<byte[]>} holding the
 *       {@link ShardStatus} bytes, rewritten every {@link #STATUS_INTERVAL_MILLIS} ms for every
 *       shard this subtask owns, with or without data, so readers discover all shards.
 *   <li>{@code graph-headers}, {@code graph-chunks}, {@code graph-delta}: per HNSW collection, its
 *       graph snapshot in chunks and the ids touched since, kept by {@link GraphSnapshots}.
 * </ul>
 *
 * <p>The full layout and its compatibility rules are in {@code docs/state-layout.md}.
 *
 * <p>In heap, a {@link LiveShard} per owned shard with one {@link LiveCollection} (index +
 * payloads) per collection, published in the JVM's {@link ShardServer}, which runs all searches on
 * its own threads. On restore every owned shard is brought back inside {@link #initializeState}
 * before any record is processed and before it is announced ready: HNSW graphs from their snapshots
 * plus delta logs, everything else (and any graph whose snapshot is missing or corrupt) from {@code
 * records}; see {@link ShardRestore}. Memory: the heap holds every vector once more (float32, plus
 * about 100 bytes of id bookkeeping per point) and every payload once more (its UTF-8 JSON) next to
 * RocksDB's copy; size TaskManager heaps for both.
 *
 * <p>Upserts are applied in short batches ({@link BatchOptions}); a MARKER, any other op and every
 * checkpoint barrier apply the pending batch first. Applying a write puts its record in state and
 * makes the point searchable at once; its index op (link or unlink in the HNSW graph) is queued on
 * the collection's link lane and done on the build threads ({@link BatchOptions#MAX_UNLINKED}
 * bounds the queue). Until then a search scores the point exactly (see {@link
 * LiveCollection#search}). A graph snapshot's start (at a checkpoint barrier, for the collections
 * due), a background-rebuild swap, a spec change, a collection deletion and the operator's finish
 * and close wait until the lanes concerned are empty, so graph snapshots and rebuild replays see
 * exactly what they would if every write were linked at once. A checkpoint needs no more: the
 * records and delta logs in state hold every write, linked or not, and a restore replays them. A
 * linking failure fails the task at its next op.
 *
 * <p>Metrics per subtask (vectors, applied upserts and deletes, ingest and search rates, search
 * latency, restore duration, index heap bytes, owned shards) are listed on {@link IndexMetrics}.
 *
 * <p>Upsert rule: last writer wins in arrival order, which is (partition, offset) order per id as
 * long as producers key records by {@code collection/id} (then a point's records share a
 * partition). A write carrying a version is ignored when the stored record has a strictly greater
 * version; a write without a version always applies and stores no version, so a later versioned
 * write applies too. A delete removes the record entirely, so an older versioned upsert arriving
 * after it applies again.
 */
public final class IndexOperator extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<ShardOp, Void> {

    private static final long serialVersionUID = 1L;

    // Hides AbstractStreamOperator's logger, which is named after Flink's class.
    private static final Logger LOG = LoggerFactory.getLogger(IndexOperator.class);

    /** How often every owned shard's status is rewritten. */
    public static final long STATUS_INTERVAL_MILLIS = 200;

    private final int numShards;
    private final int maxParallelism;
    private final IndexFactory indexFactory;

    private transient ShardKeys shardKeys;
    private transient Map<Integer, LiveShard> owned;
    private transient MapState<String, StoredRecord> records;
    private transient MapState<String, byte[]> specs;
    private transient MapState<Integer, Long> applied;
    private transient ValueState<byte[]> status;
    private transient ShardServer server;
    private transient ShardWriter writer;
    private transient IndexMetrics metrics;
    private transient GraphSnapshots snapshots;
    private transient BackgroundRebuilds rebuilds;
    private transient long restoredRecords;
    private transient long restoreMillis;
    private transient ShardRestore.Result restoreSummary;
    private transient BatchOptions batchOptions;
    private transient Executor linkExecutor;

    public IndexOperator(int numShards, int maxParallelism, IndexFactory indexFactory) {
        new ShardKeys(numShards, maxParallelism); // validates early, at job build time
        this.numShards = numShards;
        this.maxParallelism = maxParallelism;
        this.indexFactory = indexFactory;
    }

    static MapStateDescriptor<String, StoredRecord> recordsDescriptor() {
        return new MapStateDescriptor<>(
                "records", StringSerializer.INSTANCE, StoredRecordSerializer.INSTANCE);
    }

    static MapStateDescriptor<String, byte[]> specsDescriptor() {
        return new MapStateDescriptor<>(
                "specs", StringSerializer.INSTANCE, BytePrimitiveArraySerializer.INSTANCE);
    }

    static MapStateDescriptor<Integer, Long> appliedDescriptor() {
        return new MapStateDescriptor<>("applied", IntSerializer.INSTANCE, LongSerializer.INSTANCE);
    }

    /** The queryable status state; readers must use the same name and byte[] serializer. */
    @SuppressWarnings("deprecation")
    public static ValueStateDescriptor<byte[]> statusDescriptor() {
        ValueStateDescriptor<byte[]> d =
                new ValueStateDescriptor<>(
                        ShardStatus.QUERYABLE_NAME, BytePrimitiveArraySerializer.INSTANCE);
        d.setQueryable(ShardStatus.QUERYABLE_NAME);
        return d;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        int runtimeMax = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
        if (runtimeMax != maxParallelism) {
            throw new IllegalStateException(
                    "the job runs with max parallelism "
                            + runtimeMax
                            + " but the shards were laid out for "
                            + maxParallelism
                            + "; set both to the same value");
        }
        shardKeys = new ShardKeys(numShards, maxParallelism);
        records = getPartitionedState(recordsDescriptor());
        specs = getPartitionedState(specsDescriptor());
        applied = getPartitionedState(appliedDescriptor());
        status = getPartitionedState(statusDescriptor());
        snapshots =
                new GraphSnapshots(
                        getPartitionedState(GraphSnapshots.chunksDescriptor()),
                        getPartitionedState(GraphSnapshots.headersDescriptor()),
                        getPartitionedState(GraphSnapshots.deltaDescriptor()),
                        SnapshotOptions.from(configuration()),
                        this::setCurrentKey,
                        this::linkedSoFar);
        owned = new LinkedHashMap<>();
        KeyGroupRange range =
                KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                        maxParallelism,
                        getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks(),
                        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        for (int s = 0; s < numShards; s++) {
            int key = shardKeys.keyOf(s);
            if (range.contains(shardKeys.keyGroupOf(key))) {
                owned.put(key, new LiveShard(s));
            }
        }
        if (context.isRestored()) {
            long start = System.nanoTime();
            restoredRecords = restore();
            restoreMillis = (System.nanoTime() - start) / 1_000_000;
            LOG.info(
                    "restored {} records into {} shards in {} ms",
                    restoredRecords,
                    owned.size(),
                    restoreMillis);
        }
    }

    /**
     * Restores every owned shard's collections, indexes and offsets from keyed state: HNSW graphs
     * from their snapshots plus delta logs, or rebuilt from the records (see {@link ShardRestore}).
     */
    private long restore() throws Exception {
        ShardRestore restore =
                new ShardRestore(
                        indexFactory,
                        records,
                        specs,
                        snapshots,
                        RebuildOptions.from(configuration()).buildThreads());
        long count = 0;
        int fromSnapshot = 0;
        int rebuilt = 0;
        long replayed = 0;
        for (Map.Entry<Integer, LiveShard> e : owned.entrySet()) {
            setCurrentKey(e.getKey());
            ShardRestore.Result r = restore.restore(e.getKey(), e.getValue());
            count += r.records();
            fromSnapshot += r.fromSnapshot();
            rebuilt += r.rebuilt();
            replayed += r.replayed();
            for (Map.Entry<Integer, Long> a : applied.entries()) {
                e.getValue().advance(a.getKey(), a.getValue());
            }
        }
        restoreSummary = new ShardRestore.Result(count, fromSnapshot, replayed, rebuilt);
        LOG.info(
                "HNSW graphs: {} loaded from snapshots with {} delta ids replayed, {} rebuilt from"
                        + " the records",
                fromSnapshot,
                replayed,
                rebuilt);
        return count;
    }

    /** The TaskManager's configuration with the job's configuration on top. */
    private Configuration configuration() {
        Configuration conf =
                new Configuration(
                        getRuntimeContext().getTaskManagerRuntimeInfo().getConfiguration());
        conf.addAll(getContainingTask().getEnvironment().getJobConfiguration());
        return conf;
    }

    @Override
    public void open() throws Exception {
        super.open();
        Configuration conf = getRuntimeContext().getTaskManagerRuntimeInfo().getConfiguration();
        // Registered before the shards are published, so no search goes unmeasured.
        metrics = IndexMetrics.register(getMetricGroup(), owned.values());
        metrics.restored(restoredRecords, restoreMillis);
        if (restoreSummary != null) {
            metrics.restoredGraphs(restoreSummary.fromSnapshot(), restoreSummary.rebuilt());
        }
        metrics.snapshots(snapshots);
        RebuildOptions rebuildOptions = RebuildOptions.from(configuration());
        batchOptions = BatchOptions.from(configuration());
        rebuilds =
                new BackgroundRebuilds(
                        indexFactory,
                        rebuildOptions,
                        snapshots,
                        this::setCurrentKey,
                        rebuildOptions.buildThreads());
        metrics.rebuilds(rebuilds);
        writer =
                new ShardWriter(
                        records,
                        specs,
                        applied,
                        indexFactory,
                        metrics,
                        snapshots,
                        rebuilds,
                        batchOptions,
                        rebuildOptions.buildThreads(),
                        linkExecutor,
                        this::setCurrentKey);
        for (LiveShard shard : owned.values()) {
            for (LiveCollection c : shard.collections().values()) {
                writer.attach(c);
            }
        }
        metrics.linking(writer::unlinked);
        server = ShardServer.acquire(ShardServerOptions.host(conf), ShardServerOptions.port(conf));
        for (LiveShard shard : owned.values()) {
            shard.setReady(true);
            server.registry().register(shard);
        }
        publishStatus(getProcessingTimeService().getCurrentProcessingTime());
        getProcessingTimeService()
                .scheduleWithFixedDelay(
                        this::publishStatus, STATUS_INTERVAL_MILLIS, STATUS_INTERVAL_MILLIS);
        LOG.info(
                "index operator owns shards {} and serves them on {}:{}",
                shardNumbers(),
                server.host(),
                server.port());
    }

    @Override
    public void processElement(StreamRecord<ShardOp> element) throws Exception {
        ShardOp op = element.getValue();
        LiveShard shard = owned.get(op.shardKey);
        if (shard == null) {
            throw new IllegalStateException(
                    "received " + op + " for a key this subtask does not own");
        }
        long timestamp = element.hasTimestamp() ? element.getTimestamp() : ShardWriter.NO_TIMESTAMP;
        if (writer.apply(shard, op, timestamp)) {
            // A batch started: it is applied within the delay even when no other op follows.
            long now = getProcessingTimeService().getCurrentProcessingTime();
            getProcessingTimeService()
                    .registerTimer(now + batchOptions.maxDelayMillis(), t -> writer.flush());
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        // Upserts that arrived before the barrier belong in this checkpoint's state. Only the
        // collections whose graph snapshots start below wait for their link lanes.
        writer.flush();
        snapshots.beforeCheckpoint(getProcessingTimeService().getCurrentProcessingTime());
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        // Normally empty after prepareSnapshotPreBarrier; a snapshot taken without a barrier
        // (a test harness, a savepoint path that skips it) still holds every upsert processed.
        writer.flush();
        super.snapshotState(context);
    }

    @Override
    public void finish() throws Exception {
        writer.flushAndLink();
        super.finish();
    }

    /**
     * Swaps in finished background rebuilds and starts due ones, commits finished graph snapshots,
     * then rewrites the queryable status of every owned shard; runs on the task thread.
     */
    private void publishStatus(long now) throws Exception {
        // A swap replays from the live collections, which must hold every upsert in state (and
        // waits for its collection's writes to be linked).
        writer.flush();
        rebuilds.swapFinished();
        rebuilds.checkTombstones(owned);
        snapshots.commitFinished();
        long wallClock = System.currentTimeMillis();
        for (Map.Entry<Integer, LiveShard> e : owned.entrySet()) {
            LiveShard shard = e.getValue();
            AppliedOffsets offsets = shard.applied();
            setCurrentKey(e.getKey());
            status.update(
                    new ShardStatus(
                                    shard.shard(),
                                    numShards,
                                    server.host(),
                                    server.port(),
                                    shard.ready(),
                                    shard.vectorCount(),
                                    snapshots.shardEpoch(e.getKey()),
                                    wallClock,
                                    offsets.partitions(),
                                    offsets.offsets())
                            .toBytes());
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (writer != null) {
                writer.close();
            }
            if (rebuilds != null) {
                rebuilds.close();
            }
            if (snapshots != null) {
                snapshots.close();
            }
            if (server != null) {
                for (LiveShard shard : owned.values()) {
                    shard.setReady(false);
                    server.registry().unregister(shard);
                }
                server = null;
                ShardServer.release();
            }
        } finally {
            super.close();
        }
    }

    /** What the last restore did over all owned shards, or null without one; for tests. */
    ShardRestore.Result restoreSummary() {
        return restoreSummary;
    }

    /** This subtask's graph snapshots; for tests. */
    GraphSnapshots snapshots() {
        return snapshots;
    }

    /** This subtask's background rebuilds; for tests. */
    BackgroundRebuilds rebuilds() {
        return rebuilds;
    }

    /**
     * Links written points on {@code executor} instead of on threads of the operator's own; call
     * before {@link #open()}. For tests that decide when linking runs.
     */
    void linkOn(Executor executor) {
        this.linkExecutor = executor;
    }

    /** A wait until the points of one collection of one shard written so far are all linked. */
    private Runnable linkedSoFar(int shardKey, String collection) {
        LiveShard shard = owned.get(shardKey);
        LiveCollection c = shard == null ? null : shard.collection(collection);
        return c == null ? () -> {} : c.linkedSoFar();
    }

    /** Applies waiting upserts and waits until every write is linked; for tests. */
    void awaitLinked() throws Exception {
        writer.flushAndLink();
    }

    /** This subtask's metrics; for tests. */
    IndexMetrics metrics() {
        return metrics;
    }

    /** The status last published for {@code shard}, or null; for tests. */
    ShardStatus publishedStatus(int shard) throws Exception {
        setCurrentKey(shardKeys.keyOf(shard));
        byte[] bytes = status.value();
        return bytes == null ? null : ShardStatus.fromBytes(bytes);
    }

    private List<Integer> shardNumbers() {
        List<Integer> out = new ArrayList<>();
        for (LiveShard s : owned.values()) {
            out.add(s.shard());
        }
        return out;
    }
}
