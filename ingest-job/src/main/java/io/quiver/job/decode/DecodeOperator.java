package io.quiver.job.decode;

import io.quiver.job.kafka.DeadLetter;
import io.quiver.job.kafka.KafkaBytes;
import io.quiver.operator.ShardOp;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.Reason;
import io.quiver.schemas.record.RecordFormat;
import io.quiver.schemas.routing.ShardKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes and validates upserts-topic records (input 1) against the collection specs broadcast to
 * every subtask (input 2), and sends each valid record to its shard as a {@link ShardOp}.
 *
 * <ul>
 *   <li>Invalid records go to the {@link #DEAD_LETTERS} side output with their reason; the job
 *       never fails on input.
 *   <li>A well-formed record of a collection whose spec has not arrived is parked for the grace
 *       period (a producer may create a collection and write to it at once, and the two topics
 *       race), released in order when the spec arrives, dead-lettered as {@code UNKNOWN_COLLECTION}
 *       after it. Parked records are checkpointed.
 *   <li>Every spec this subtask learns (created, changed, deleted) is sent at once to every shard
 *       as a {@code COLLECTION} op, so on each channel a spec always precedes the records that need
 *       it. Specs are kept in union operator state, so a restored job knows them without re-reading
 *       the collections topic (whose source resumes from its checkpointed offsets).
 *   <li>Every {@link #MARKER_INTERVAL_MILLIS} ms, for each partition whose decoded offset advanced,
 *       a {@code MARKER} op goes to every shard, travelling behind the records it covers; it never
 *       passes a parked record of that partition.
 * </ul>
 */
public final class DecodeOperator extends AbstractStreamOperator<ShardOp>
        implements TwoInputStreamOperator<KafkaBytes, KafkaBytes, ShardOp> {

    private static final long serialVersionUID = 1L;

    // Hides AbstractStreamOperator's logger, which is named after Flink's class.
    private static final Logger LOG = LoggerFactory.getLogger(DecodeOperator.class);

    /** Where refused records go. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private static final long NO_TIMESTAMP = Long.MIN_VALUE;

    /** How often offset markers are sent; bounds the staleness of applied offsets. */
    public static final long MARKER_INTERVAL_MILLIS = 50;

    private final RecordFormat format;
    private final String upsertsTopic;
    private final int numShards;
    private final int maxParallelism;
    private final long graceMillis;

    private transient RecordDecoder decoder;
    private transient ShardKeys shardKeys;
    private transient Map<String, CollectionSpec> specs;
    private transient Map<String, byte[]> specBytes;
    private transient List<ParkedRecord> parked;
    private transient Map<Integer, Long> seen;
    private transient Map<Integer, Long> marked;
    private transient ListState<KafkaBytes> specState;
    private transient ListState<ParkedRecord> parkedState;
    private transient Counter forwarded;
    private transient Counter deadLettered;

    /**
     * @param graceMillis how long a record of an unknown collection waits for its spec
     */
    public DecodeOperator(
            RecordFormat format,
            String upsertsTopic,
            int numShards,
            int maxParallelism,
            long graceMillis) {
        new ShardKeys(numShards, maxParallelism); // validates early, at job build time
        if (graceMillis < 0) {
            throw new IllegalArgumentException("grace period must be >= 0, got " + graceMillis);
        }
        this.format = format;
        this.upsertsTopic = upsertsTopic;
        this.numShards = numShards;
        this.maxParallelism = maxParallelism;
        this.graceMillis = graceMillis;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        shardKeys = new ShardKeys(numShards, maxParallelism);
        decoder = new RecordDecoder(format, shardKeys);
        specs = new HashMap<>();
        specBytes = new HashMap<>();
        parked = new ArrayList<>();
        seen = new HashMap<>();
        marked = new HashMap<>();
        specState =
                getOperatorStateBackend()
                        .getUnionListState(
                                new ListStateDescriptor<>(
                                        "collection-specs", TypeInformation.of(KafkaBytes.class)));
        parkedState =
                getOperatorStateBackend()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "parked-records", TypeInformation.of(ParkedRecord.class)));
        if (context.isRestored()) {
            // Union state hands every subtask all subtasks' copies; they are equal, keep one.
            for (KafkaBytes s : specState.get()) {
                String name = new String(s.key, StandardCharsets.UTF_8);
                specs.put(name, CollectionSpecs.decode(name, s.value));
                specBytes.put(name, s.value);
            }
            for (ParkedRecord p : parkedState.get()) {
                parked.add(p);
            }
            LOG.info(
                    "decode restored {} collection specs and {} parked records",
                    specs.size(),
                    parked.size());
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        forwarded = getMetricGroup().counter("forwarded");
        deadLettered = getMetricGroup().counter("deadLettered");
        getMetricGroup().gauge("parked", () -> parked.size());
        getMetricGroup().gauge("collections", () -> specs.size());
        getProcessingTimeService()
                .scheduleWithFixedDelay(
                        this::onTimer, MARKER_INTERVAL_MILLIS, MARKER_INTERVAL_MILLIS);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<KafkaBytes> copy = new ArrayList<>(specBytes.size());
        for (Map.Entry<String, byte[]> e : specBytes.entrySet()) {
            copy.add(
                    new KafkaBytes(
                            e.getKey().getBytes(StandardCharsets.UTF_8), e.getValue(), -1, -1));
        }
        specState.update(copy);
        parkedState.update(parked);
    }

    /** An upserts-topic record. */
    @Override
    public void processElement1(StreamRecord<KafkaBytes> element) {
        KafkaBytes in = element.getValue();
        seen.merge(in.partition, in.offset, Math::max);
        handle(in, element.hasTimestamp() ? element.getTimestamp() : NO_TIMESTAMP);
    }

    /** A collections-topic record: key = name, value = spec JSON or null (deleted). */
    @Override
    public void processElement2(StreamRecord<KafkaBytes> element) {
        KafkaBytes in = element.getValue();
        if (in.key == null) {
            LOG.warn(
                    "ignoring a collections-topic record without a key at partition {} offset {}",
                    in.partition,
                    in.offset);
            return;
        }
        String name = new String(in.key, StandardCharsets.UTF_8);
        if (in.value == null) {
            if (specs.remove(name) != null) {
                specBytes.remove(name);
                emitToAllShards(name, null);
                LOG.info("collection '{}' deleted", name);
            }
            return;
        }
        if (Arrays.equals(specBytes.get(name), in.value)) {
            return;
        }
        CollectionSpec spec;
        try {
            spec = CollectionSpecs.decode(name, in.value);
        } catch (IllegalArgumentException e) {
            // The message names the bad field; a stack trace would add nothing.
            LOG.warn(
                    "ignoring an invalid spec for collection '{}' at collections-topic offset {}:"
                            + " {}",
                    name,
                    in.offset,
                    e.getMessage());
            return;
        }
        specs.put(name, spec);
        specBytes.put(name, in.value);
        emitToAllShards(name, in.value);
        LOG.info(
                "collection '{}' defined: dimension {}, metric {}",
                name,
                spec.getDimension(),
                spec.getMetric());
        release(name);
    }

    /**
     * Decodes {@code in} and forwards, parks or dead-letters it. A forwarded op keeps its Kafka
     * record timestamp, from which the index operator measures its apply lag.
     */
    private void handle(KafkaBytes in, long timestamp) {
        RecordDecoder.Outcome outcome = decoder.decode(in, specs);
        switch (outcome.action()) {
            case FORWARD:
                output.collect(
                        timestamp == NO_TIMESTAMP
                                ? new StreamRecord<>(outcome.op())
                                : new StreamRecord<>(outcome.op(), timestamp));
                forwarded.inc();
                break;
            case PARK:
                parked.add(new ParkedRecord(outcome.collection(), in, System.currentTimeMillis()));
                break;
            default:
                deadLetter(in, outcome.reason(), outcome.message());
        }
    }

    /** Re-decodes, in arrival order, every record parked for {@code collection}. */
    private void release(String collection) {
        List<KafkaBytes> ready = new ArrayList<>();
        for (Iterator<ParkedRecord> it = parked.iterator(); it.hasNext(); ) {
            ParkedRecord p = it.next();
            if (p.collection.equals(collection)) {
                ready.add(p.record);
                it.remove();
            }
        }
        // A parked record's wait is not the pipeline's lag: it goes on without its timestamp.
        for (KafkaBytes in : ready) {
            handle(in, NO_TIMESTAMP);
        }
    }

    private void onTimer(long time) {
        expireParked(System.currentTimeMillis());
        emitMarkers();
    }

    private void expireParked(long now) {
        for (Iterator<ParkedRecord> it = parked.iterator(); it.hasNext(); ) {
            ParkedRecord p = it.next();
            long waited = now - p.parkedAtMillis;
            if (waited >= graceMillis) {
                it.remove();
                RecordDecoder.Outcome o = RecordDecoder.unknownCollection(p.collection, waited);
                deadLetter(p.record, o.reason(), o.message());
            }
        }
    }

    /**
     * Sends, per partition, the highest offset below which nothing of this channel is still
     * pending: the last one decoded, held just below the oldest parked record of the partition.
     */
    private void emitMarkers() {
        Map<Integer, Long> oldestParked = new HashMap<>();
        for (ParkedRecord p : parked) {
            oldestParked.merge(p.record.partition, p.record.offset, Math::min);
        }
        for (Map.Entry<Integer, Long> e : seen.entrySet()) {
            int partition = e.getKey();
            long offset = e.getValue();
            Long blocked = oldestParked.get(partition);
            if (blocked != null) {
                offset = Math.min(offset, blocked - 1);
            }
            if (offset > marked.getOrDefault(partition, -1L)) {
                marked.put(partition, offset);
                for (int s = 0; s < numShards; s++) {
                    output.collect(
                            new StreamRecord<>(
                                    ShardOp.marker(shardKeys.keyOf(s), partition, offset)));
                }
            }
        }
    }

    private void emitToAllShards(String collection, byte[] spec) {
        for (int s = 0; s < numShards; s++) {
            output.collect(
                    new StreamRecord<>(ShardOp.collection(shardKeys.keyOf(s), collection, spec)));
        }
    }

    private void deadLetter(KafkaBytes in, Reason reason, String message) {
        output.collect(
                DEAD_LETTERS,
                new StreamRecord<>(new DeadLetter(in, upsertsTopic, reason, message)));
        deadLettered.inc();
    }
}
