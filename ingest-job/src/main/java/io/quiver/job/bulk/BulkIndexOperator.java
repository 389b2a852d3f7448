package io.quiver.job.bulk;

import io.quiver.operator.BulkIndexWriter;
import io.quiver.operator.IndexFactory;
import io.quiver.operator.ShardOp;
import io.quiver.schemas.routing.ShardKeys;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.state.api.output.SnapshotUtils;
import org.apache.flink.state.api.output.TaggedOperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bulk load's stand-in for the index operator: keyed by shard like it, it writes the index
 * operator's keyed state through one {@link BulkIndexWriter} per collection (at the end of input
 * each shard's graph, built with the bulk builder, as its first snapshot) and then snapshots that
 * state into the savepoint being written, as Flink's state processor bootstrap operators do.
 *
 * <p>A file load stores each point as it arrives (a repeated id keeps its last vector). A topic
 * load ({@code lastWriteWins}) first applies the upserts and deletes of each shard in arrival order
 * with the index operator's rules ({@link LatestWrites}) and stores what is left at the end of
 * input; it then records {@code appliedOffsets} (partition to last offset read) in every shard this
 * subtask owns, with or without points, as the streaming job's offset markers would have.
 *
 * <p>Metrics (group {@code bulk-index}): {@code recordsStored} (ops received), {@code storeRate},
 * {@code vectorsIndexed}. Progress goes to the log every {@link ReadBulkFile#PROGRESS_SECONDS}
 * seconds while records arrive, and once per phase.
 */
final class BulkIndexOperator extends AbstractStreamOperator<TaggedOperatorSubtaskState>
        implements OneInputStreamOperator<ShardOp, TaggedOperatorSubtaskState>, BoundedOneInput {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BulkIndexOperator.class);

    private final long checkpointId;
    private final long timestamp;
    private final Path savepointPath;
    private final Map<String, byte[]> specs;
    private final IndexFactory indexFactory;
    private final int buildThreads;
    private final int shards;
    private final boolean lastWriteWins;
    private final Map<Integer, Long> appliedOffsets;

    private transient Map<String, BulkIndexWriter> writers;
    private transient Map<Integer, LatestWrites> pending;
    private transient Counter stored;
    private transient long startNanos;
    private transient long nextLogNanos;

    /**
     * @param specs the collections this load may fill, as on the collections topic
     * @param lastWriteWins resolve upserts and deletes per id before storing (topic loads)
     * @param appliedOffsets upserts-topic partition to the last offset the load covers (inclusive);
     *     empty when the load read no upserts topic
     */
    BulkIndexOperator(
            long checkpointId,
            long timestamp,
            Path savepointPath,
            Map<String, byte[]> specs,
            IndexFactory indexFactory,
            int buildThreads,
            int shards,
            boolean lastWriteWins,
            Map<Integer, Long> appliedOffsets) {
        this.checkpointId = checkpointId;
        this.timestamp = timestamp;
        this.savepointPath = savepointPath;
        this.specs = new LinkedHashMap<>(specs);
        this.indexFactory = indexFactory;
        this.buildThreads = buildThreads;
        this.shards = shards;
        this.lastWriteWins = lastWriteWins;
        this.appliedOffsets = new TreeMap<>(appliedOffsets);
    }

    @Override
    public void open() throws Exception {
        super.open();
        // Read by the metric reporter's thread while the task thread adds writers.
        writers = new ConcurrentHashMap<>();
        pending = new HashMap<>();
        MetricGroup group = getMetricGroup().addGroup("bulk-index");
        stored = group.counter("recordsStored");
        group.meter("storeRate", new MeterView(stored));
        group.gauge("vectorsIndexed", this::vectorsIndexed);
        startNanos = System.nanoTime();
        nextLogNanos = startNanos + TimeUnit.SECONDS.toNanos(ReadBulkFile.PROGRESS_SECONDS);
    }

    @Override
    public void processElement(StreamRecord<ShardOp> element) throws Exception {
        ShardOp op = element.getValue();
        if (lastWriteWins) {
            pending.computeIfAbsent(op.shardKey, k -> new LatestWrites()).apply(op);
        } else {
            writer(op.collection).add(op.shardKey, op.id, op.vector, op.payload, op.offset);
        }
        stored.inc();
        if ((stored.getCount() & 1023) == 0 && System.nanoTime() >= nextLogNanos) {
            nextLogNanos =
                    System.nanoTime() + TimeUnit.SECONDS.toNanos(ReadBulkFile.PROGRESS_SECONDS);
            LOG.info(
                    "bulk load: {} records received by subtask {}, {} records/s",
                    stored.getCount(),
                    subtask(),
                    Math.round(stored.getCount() / seconds(startNanos)));
        }
    }

    @Override
    public void endInput() throws Exception {
        if (lastWriteWins) {
            storeLatestWrites();
        }
        long buildStart = System.nanoTime();
        long records = 0;
        int shardCollections = 0;
        for (BulkIndexWriter w : writers.values()) {
            records += w.recordsWritten();
            shardCollections += w.shards();
        }
        LOG.info(
                "bulk load: subtask {} stored {} records in {} shard collections; building their"
                        + " graphs",
                subtask(),
                records,
                shardCollections);
        for (BulkIndexWriter w : writers.values()) {
            w.finish(this::setCurrentKey);
        }
        LOG.info(
                "bulk load: subtask {} indexed {} vectors in {} s ({} vectors/s)",
                subtask(),
                vectorsIndexed(),
                String.format("%.1f", seconds(buildStart)),
                Math.round(vectorsIndexed() / seconds(buildStart)));
        if (!appliedOffsets.isEmpty()) {
            writeAppliedOffsets();
        }
        TaggedOperatorSubtaskState state =
                SnapshotUtils.snapshot(
                        checkpointId,
                        this,
                        subtask(),
                        timestamp,
                        getContainingTask().getConfiguration().isExactlyOnceCheckpointMode(),
                        getContainingTask().getConfiguration().isUnalignedCheckpointsEnabled(),
                        getContainingTask().getConfiguration().getConfiguration(),
                        savepointPath);
        output.collect(new StreamRecord<>(state));
    }

    /** Stores what each shard's upserts and deletes left, shard by shard. */
    private void storeLatestWrites() throws Exception {
        long stale = 0;
        for (Map.Entry<Integer, LatestWrites> shard : pending.entrySet()) {
            setCurrentKey(shard.getKey());
            for (var collection : shard.getValue().collections().entrySet()) {
                BulkIndexWriter w = writer(collection.getKey());
                for (Map.Entry<String, LatestWrites.Write> e : collection.getValue().entrySet()) {
                    LatestWrites.Write p = e.getValue();
                    w.add(
                            shard.getKey(),
                            e.getKey(),
                            p.vector(),
                            p.payload(),
                            p.version(),
                            p.partition(),
                            p.offset());
                }
            }
            stale += shard.getValue().stale();
            shard.getValue().clear();
        }
        pending.clear();
        if (stale > 0) {
            LOG.info(
                    "bulk load: subtask {} ignored {} writes older than the point's version",
                    subtask(),
                    stale);
        }
    }

    /** Every owned shard, with or without points, covers the loaded offsets. */
    private void writeAppliedOffsets() throws Exception {
        int maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
        ShardKeys keys = new ShardKeys(shards, maxParallelism);
        KeyGroupRange range =
                KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                        maxParallelism,
                        getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks(),
                        subtask());
        MapState<Integer, Long> applied =
                getPartitionedState(BulkIndexWriter.appliedOffsetsDescriptor());
        for (int s = 0; s < shards; s++) {
            int key = keys.keyOf(s);
            if (range.contains(keys.keyGroupOf(key))) {
                setCurrentKey(key);
                applied.putAll(appliedOffsets);
            }
        }
    }

    private BulkIndexWriter writer(String collection) throws Exception {
        BulkIndexWriter w = writers.get(collection);
        if (w == null) {
            byte[] spec = specs.get(collection);
            if (spec == null) {
                throw new IllegalStateException(
                        "bulk load received a record of collection '"
                                + collection
                                + "', which it was not set up for");
            }
            w =
                    new BulkIndexWriter(
                            collection,
                            spec,
                            indexFactory,
                            buildThreads,
                            new BulkIndexWriter.StateAccess() {
                                @Override
                                public <K, V> MapState<K, V> mapState(MapStateDescriptor<K, V> d)
                                        throws Exception {
                                    return getPartitionedState(d);
                                }
                            });
            writers.put(collection, w);
        }
        return w;
    }

    private long vectorsIndexed() {
        long sum = 0;
        for (BulkIndexWriter w : writers.values()) {
            sum += w.vectorsIndexed();
        }
        return sum;
    }

    private int subtask() {
        return getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
    }

    private static double seconds(long sinceNanos) {
        return Math.max(1e-9, (System.nanoTime() - sinceNanos) / 1e9);
    }
}
