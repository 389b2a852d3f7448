package io.quiver.job.bulk;

import io.quiver.job.decode.DecodeOperator;
import io.quiver.job.decode.RecordDecoder;
import io.quiver.job.kafka.DeadLetter;
import io.quiver.job.kafka.KafkaBytes;
import io.quiver.operator.ShardOp;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.Reason;
import io.quiver.schemas.record.RecordFormat;
import io.quiver.schemas.routing.ShardKeys;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A topic bulk load's decode step: the streaming job's {@link RecordDecoder} against the specs read
 * from the collections topic when the load started. A valid upsert or delete goes on to its shard;
 * a record the streaming job would refuse goes to {@link DecodeOperator#DEAD_LETTERS} with the same
 * reason, and so does a record of a collection that was not defined at the start ({@code
 * UNKNOWN_COLLECTION}: the streaming job would have waited for its spec, a bounded load cannot).
 *
 * <p>Metrics (group {@code bulk-read}): {@code recordsRead}, {@code readRate}, {@code
 * recordsRejected}. Progress goes to the log every {@link ReadBulkFile#PROGRESS_SECONDS} seconds.
 */
final class DecodeTopicRecord extends ProcessFunction<KafkaBytes, ShardOp> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeTopicRecord.class);

    private final RecordFormat format;
    private final String topic;
    private final String collectionsTopic;
    private final Map<String, byte[]> specBytes;
    private final int shards;
    private final int maxParallelism;

    private transient RecordDecoder decoder;
    private transient Map<String, CollectionSpec> specs;
    private transient Counter read;
    private transient Counter rejected;
    private transient long startNanos;
    private transient long nextLogNanos;

    DecodeTopicRecord(
            RecordFormat format,
            String topic,
            String collectionsTopic,
            Map<String, byte[]> specs,
            int shards,
            int maxParallelism) {
        this.format = format;
        this.topic = topic;
        this.collectionsTopic = collectionsTopic;
        this.specBytes = new LinkedHashMap<>(specs);
        this.shards = shards;
        this.maxParallelism = maxParallelism;
    }

    @Override
    public void open(OpenContext context) {
        decoder = new RecordDecoder(format, new ShardKeys(shards, maxParallelism));
        specs = new HashMap<>();
        specBytes.forEach((name, bytes) -> specs.put(name, CollectionSpecs.decode(name, bytes)));
        var group = getRuntimeContext().getMetricGroup().addGroup("bulk-read");
        read = group.counter("recordsRead");
        group.meter("readRate", new MeterView(read));
        rejected = group.counter("recordsRejected");
        startNanos = System.nanoTime();
        nextLogNanos = startNanos + TimeUnit.SECONDS.toNanos(ReadBulkFile.PROGRESS_SECONDS);
    }

    @Override
    public void processElement(KafkaBytes in, Context ctx, Collector<ShardOp> out) {
        read.inc();
        RecordDecoder.Outcome outcome = decoder.decode(in, specs);
        switch (outcome.action()) {
            case FORWARD:
                out.collect(outcome.op());
                break;
            case PARK:
                deadLetter(
                        ctx,
                        in,
                        Reason.UNKNOWN_COLLECTION,
                        "collection '"
                                + outcome.collection()
                                + "' does not exist (not defined on "
                                + collectionsTopic
                                + " when the bulk load started)");
                break;
            default:
                deadLetter(ctx, in, outcome.reason(), outcome.message());
        }
        if ((read.getCount() & 1023) == 0 && System.nanoTime() >= nextLogNanos) {
            nextLogNanos =
                    System.nanoTime() + TimeUnit.SECONDS.toNanos(ReadBulkFile.PROGRESS_SECONDS);
            double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
            LOG.info(
                    "bulk load: {} records read from {} by subtask {}, {} dead-lettered, {}"
                            + " records/s",
                    read.getCount(),
                    topic,
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                    rejected.getCount(),
                    Math.round(read.getCount() / seconds));
        }
    }

    private void deadLetter(Context ctx, KafkaBytes in, Reason reason, String message) {
        rejected.inc();
        ctx.output(DecodeOperator.DEAD_LETTERS, new DeadLetter(in, topic, reason, message));
    }

    @Override
    public void close() {
        if (read != null) {
            LOG.info(
                    "bulk load: subtask {} read {} records from {}, {} dead-lettered",
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                    read.getCount(),
                    topic,
                    rejected.getCount());
        }
    }
}
