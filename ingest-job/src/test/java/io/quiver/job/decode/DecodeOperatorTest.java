package io.quiver.job.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.job.kafka.DeadLetter;
import io.quiver.job.kafka.KafkaBytes;
import io.quiver.operator.ShardOp;
import io.quiver.operator.ShardOp.Kind;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.Reason;
import io.quiver.schemas.record.RecordFormat;
import io.quiver.schemas.routing.ShardKeys;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DecodeOperatorTest {

    private static final int SHARDS = 4;
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, 128);
    private static final String TOPIC = "q.upserts";

    private TwoInputStreamOperatorTestHarness<KafkaBytes, KafkaBytes, ShardOp> harness;
    private long now;

    @AfterEach
    void tearDown() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void sendsASpecToEveryShardBeforeTheRecordsThatNeedIt() throws Exception {
        harness = open(60_000, null);
        spec("docs", 2);
        record(0, 0, "docs", "a", "[1,2]");
        List<ShardOp> out = drain();
        assertThat(out).hasSize(SHARDS + 1);
        for (int s = 0; s < SHARDS; s++) {
            assertThat(out.get(s).kind).isEqualTo(Kind.COLLECTION);
            assertThat(out.get(s).shardKey).isEqualTo(KEYS.keyOf(s));
            assertThat(CollectionSpecs.decode("docs", out.get(s).payload).getDimension())
                    .isEqualTo(2);
        }
        assertThat(out.get(SHARDS).kind).isEqualTo(Kind.UPSERT);
        assertThat(out.get(SHARDS).id).isEqualTo("a");

        spec("docs", 2); // the same spec again: nothing to announce
        assertThat(drain()).isEmpty();
    }

    @Test
    void aForwardedRecordKeepsItsKafkaTimestampAndAReleasedParkedOneHasNone() throws Exception {
        harness = open(60_000, null);
        spec("docs", 2);
        drain();
        harness.processElement1(new StreamRecord<>(bytes(0, 0, "docs", "a", "[1,2]"), 1234L));
        // "later" parks until its spec arrives: its wait is not pipeline lag.
        harness.processElement1(new StreamRecord<>(bytes(0, 1, "later", "b", "[1,2]"), 5678L));
        spec("later", 2);
        List<StreamRecord<ShardOp>> out = new ArrayList<>();
        Object o;
        while ((o = harness.getOutput().poll()) != null) {
            if (o instanceof StreamRecord) {
                @SuppressWarnings("unchecked")
                StreamRecord<ShardOp> r = (StreamRecord<ShardOp>) o;
                if (r.getValue().kind == Kind.UPSERT) {
                    out.add(r);
                }
            }
        }
        assertThat(out).hasSize(2);
        assertThat(out.get(0).getValue().id).isEqualTo("a");
        assertThat(out.get(0).hasTimestamp()).isTrue();
        assertThat(out.get(0).getTimestamp()).isEqualTo(1234L);
        assertThat(out.get(1).getValue().id).isEqualTo("b");
        assertThat(out.get(1).hasTimestamp()).isFalse();
    }

    @Test
    void parksRecordsUntilTheirSpecArrivesAndHoldsTheMarkerBelowThem() throws Exception {
        harness = open(60_000, null);
        spec("docs", 2);
        drain();
        record(0, 10, "docs", "a", "[1,2]");
        record(0, 11, "later", "b", "[1,2,3]");
        record(0, 12, "later", "c", "[4,5,6]");
        record(0, 13, "docs", "d", "[3,4]");
        assertThat(drain()).extracting(op -> op.id).containsExactly("a", "d");

        tick();
        List<ShardOp> markers = drain();
        assertThat(markers).hasSize(SHARDS).allMatch(op -> op.kind == Kind.MARKER);
        // Offsets 11 and 12 are parked: the marker must not claim them.
        assertThat(markers).allMatch(op -> op.partition == 0 && op.offset == 10);

        spec("later", 3);
        List<ShardOp> released = drain();
        assertThat(released).hasSize(SHARDS + 2);
        assertThat(released.subList(SHARDS, SHARDS + 2))
                .extracting(op -> op.id)
                .containsExactly("b", "c");

        tick();
        assertThat(drain()).hasSize(SHARDS).allMatch(op -> op.offset == 13);
        tick();
        assertThat(drain()).as("no new marker when nothing advanced").isEmpty();
    }

    @Test
    void deadLettersParkedRecordsAfterTheGracePeriod() throws Exception {
        harness = open(0, null);
        record(1, 5, "ghost", "a", "[1]");
        tick();
        List<DeadLetter> letters = deadLetters();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).reason).isEqualTo(Reason.UNKNOWN_COLLECTION.name());
        assertThat(letters.get(0).message).contains("collection 'ghost' does not exist");
        // Once the record is refused the partition's marker may pass it.
        assertThat(drain()).hasSize(SHARDS).allMatch(op -> op.offset == 5);
    }

    @Test
    void deadLettersInvalidRecordsWithTheirBytesAndSource() throws Exception {
        harness = open(60_000, null);
        spec("docs", 2);
        drain();
        byte[] value = "{\"collection\":\"docs\",\"id\":\"a\",\"vector\":[1]}".getBytes();
        harness.processElement1(new StreamRecord<>(new KafkaBytes("k".getBytes(), value, 3, 99)));
        assertThat(drain()).isEmpty();
        DeadLetter letter = deadLetters().get(0);
        assertThat(letter.value).isEqualTo(value);
        assertThat(letter.key).isEqualTo("k".getBytes());
        assertThat(letter.reason).isEqualTo(Reason.DIMENSION_MISMATCH.name());
        assertThat(letter.message).contains("vector has 1 dimensions");
        assertThat(letter.sourceTopic).isEqualTo(TOPIC);
        assertThat(letter.sourcePartition).isEqualTo(3);
        assertThat(letter.sourceOffset).isEqualTo(99);
    }

    @Test
    void announcesADeletedCollectionAndThenParksItsRecords() throws Exception {
        harness = open(60_000, null);
        spec("docs", 2);
        drain();
        harness.processElement2(new StreamRecord<>(new KafkaBytes("docs".getBytes(), null, 0, 1)));
        List<ShardOp> out = drain();
        assertThat(out).hasSize(SHARDS).allMatch(op -> op.kind == Kind.COLLECTION);
        assertThat(out).allMatch(op -> op.payload == null);
        record(0, 0, "docs", "a", "[1,2]");
        assertThat(drain()).isEmpty();
    }

    @Test
    void ignoresAnInvalidSpec() throws Exception {
        harness = open(60_000, null);
        harness.processElement2(
                new StreamRecord<>(
                        new KafkaBytes("docs".getBytes(), "{\"dimension\":0}".getBytes(), 0, 0)));
        assertThat(drain()).isEmpty();
    }

    @Test
    void keepsSpecsAndParkedRecordsAcrossARestore() throws Exception {
        harness = open(60_000, null);
        spec("docs", 2);
        record(0, 1, "later", "p", "[1]");
        drain();
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();

        harness = open(60_000, snapshot);
        record(0, 2, "docs", "a", "[1,2]");
        assertThat(drain()).extracting(op -> op.id).containsExactly("a");
        spec("later", 1);
        assertThat(drain()).extracting(op -> op.id).endsWith("p");
    }

    private TwoInputStreamOperatorTestHarness<KafkaBytes, KafkaBytes, ShardOp> open(
            long graceMillis, OperatorSubtaskState restore) throws Exception {
        TwoInputStreamOperatorTestHarness<KafkaBytes, KafkaBytes, ShardOp> h =
                new TwoInputStreamOperatorTestHarness<>(
                        new DecodeOperator(RecordFormat.AUTO, TOPIC, SHARDS, 128, graceMillis));
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    private void spec(String name, int dimension) throws Exception {
        harness.processElement2(
                new StreamRecord<>(
                        new KafkaBytes(
                                name.getBytes(StandardCharsets.UTF_8),
                                CollectionSpecs.encode(RecordDecoderTest.spec(name, dimension)),
                                0,
                                0)));
    }

    private void record(int partition, long offset, String collection, String id, String vector)
            throws Exception {
        harness.processElement1(
                new StreamRecord<>(bytes(partition, offset, collection, id, vector)));
    }

    private static KafkaBytes bytes(
            int partition, long offset, String collection, String id, String vector) {
        String json =
                "{\"collection\":\""
                        + collection
                        + "\",\"id\":\""
                        + id
                        + "\",\"vector\":"
                        + vector
                        + "}";
        return new KafkaBytes(
                (collection + "/" + id).getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8),
                partition,
                offset);
    }

    private void tick() throws Exception {
        now += DecodeOperator.MARKER_INTERVAL_MILLIS;
        harness.setProcessingTime(now);
    }

    @SuppressWarnings("unchecked")
    private List<ShardOp> drain() {
        List<ShardOp> out = new ArrayList<>();
        Object o;
        while ((o = harness.getOutput().poll()) != null) {
            if (o instanceof StreamRecord) {
                out.add(((StreamRecord<ShardOp>) o).getValue());
            }
        }
        return out;
    }

    private List<DeadLetter> deadLetters() {
        List<DeadLetter> out = new ArrayList<>();
        var queue = harness.getSideOutput(DecodeOperator.DEAD_LETTERS);
        StreamRecord<DeadLetter> r;
        while (queue != null && (r = queue.poll()) != null) {
            out.add(r.getValue());
        }
        return out;
    }
}
