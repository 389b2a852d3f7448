package io.quiver.job.bulk;

import io.quiver.operator.BulkIndexWriter;
import io.quiver.operator.IndexFactory;
import io.quiver.operator.ShardOp;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.fs.Path;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
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
 * operator's keyed state through {@link BulkIndexWriter} (records as they arrive; at the end of
 * input each shard's graph, built with the bulk builder, as its first snapshot) and then snapshots
 * that state into the savepoint being written, as Flink's state processor bootstrap operators do.
 *
 * <p>Metrics (group {@code bulk-index}): {@code recordsStored}, {@code storeRate}, {@code
 * vectorsIndexed}. Progress goes to the log every {@link ReadBulkFile#PROGRESS_SECONDS} seconds
 * while records arrive, and once per phase.
 */
final class BulkIndexOperator extends AbstractStreamOperator<TaggedOperatorSubtaskState>
        implements OneInputStreamOperator<ShardOp, TaggedOperatorSubtaskState>, BoundedOneInput {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BulkIndexOperator.class);

    private final long checkpointId;
    private final long timestamp;
    private final Path savepointPath;
    private final String collection;
    private final byte[] spec;
    private final IndexFactory indexFactory;
    private final int buildThreads;

    private transient BulkIndexWriter writer;
    private transient Counter stored;
    private transient long startNanos;
    private transient long nextLogNanos;

    BulkIndexOperator(
            long checkpointId,
            long timestamp,
            Path savepointPath,
            String collection,
            byte[] spec,
            IndexFactory indexFactory,
            int buildThreads) {
        this.buildThreads = buildThreads;
        this.checkpointId = checkpointId;
        this.timestamp = timestamp;
        this.savepointPath = savepointPath;
        this.collection = collection;
        this.spec = spec;
        this.indexFactory = indexFactory;
    }

    @Override
    public void open() throws Exception {
        super.open();
        writer =
                new BulkIndexWriter(
                        collection,
                        spec,
                        indexFactory,
                        buildThreads,
                        new BulkIndexWriter.StateAccess() {
                            @Override
                            public <K, V> org.apache.flink.api.common.state.MapState<K, V> mapState(
                                    org.apache.flink.api.common.state.MapStateDescriptor<K, V> d)
                                    throws Exception {
                                return getPartitionedState(d);
                            }
                        });
        MetricGroup group = getMetricGroup().addGroup("bulk-index");
        stored = group.counter("recordsStored");
        group.meter("storeRate", new MeterView(stored));
        group.gauge("vectorsIndexed", writer::vectorsIndexed);
        startNanos = System.nanoTime();
        nextLogNanos = startNanos + TimeUnit.SECONDS.toNanos(ReadBulkFile.PROGRESS_SECONDS);
    }

    @Override
    public void processElement(StreamRecord<ShardOp> element) throws Exception {
        ShardOp op = element.getValue();
        writer.add(op.shardKey, op.id, op.vector, op.payload, op.offset);
        stored.inc();
        if ((stored.getCount() & 1023) == 0 && System.nanoTime() >= nextLogNanos) {
            nextLogNanos =
                    System.nanoTime() + TimeUnit.SECONDS.toNanos(ReadBulkFile.PROGRESS_SECONDS);
            LOG.info(
                    "bulk load: {} records stored by subtask {}, {} records/s",
                    stored.getCount(),
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                    Math.round(stored.getCount() / seconds(startNanos)));
        }
    }

    @Override
    public void endInput() throws Exception {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        long buildStart = System.nanoTime();
        int shards = writer.shards();
        LOG.info(
                "bulk load: subtask {} stored {} records in {} shards; building their graphs",
                subtask,
                writer.recordsWritten(),
                shards);
        writer.finish(this::setCurrentKey);
        LOG.info(
                "bulk load: subtask {} indexed {} vectors in {} shards in {} s ({} vectors/s)",
                subtask,
                writer.vectorsIndexed(),
                shards,
                String.format("%.1f", seconds(buildStart)),
                Math.round(writer.vectorsIndexed() / seconds(buildStart)));
        TaggedOperatorSubtaskState state =
                SnapshotUtils.snapshot(
                        checkpointId,
                        this,
                        subtask,
                        timestamp,
                        getContainingTask().getConfiguration().isExactlyOnceCheckpointMode(),
                        getContainingTask().getConfiguration().isUnalignedCheckpointsEnabled(),
                        getContainingTask().getConfiguration().getConfiguration(),
                        savepointPath);
        output.collect(new StreamRecord<>(state));
    }

    private static double seconds(long sinceNanos) {
        return Math.max(1e-9, (System.nanoTime() - sinceNanos) / 1e9);
    }
}
