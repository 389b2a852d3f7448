package io.quiver.job.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.job.decode.RecordDecoder.Action;
import io.quiver.job.decode.RecordDecoder.Outcome;
import io.quiver.job.kafka.KafkaBytes;
import io.quiver.operator.ShardOp;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.Reason;
import io.quiver.schemas.record.RecordFormat;
import io.quiver.schemas.record.UpsertCodec;
import io.quiver.schemas.routing.ShardKeys;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordDecoderTest {

    private static final ShardKeys KEYS = new ShardKeys(32, 128);
    private static final Map<String, CollectionSpec> SPECS = Map.of("docs", spec("docs", 3));

    private final RecordDecoder auto = new RecordDecoder(RecordFormat.AUTO, KEYS);

    @Test
    void forwardsAValidJsonUpsertToItsShard() {
        Outcome o =
                decode(
                        "{\"collection\":\"docs\",\"id\":\"a1\",\"vector\":[1,2,3],"
                                + "\"payload\":{\"t\":\"x\"},\"version\":4}");
        assertThat(o.action()).isEqualTo(Action.FORWARD);
        ShardOp op = o.op();
        assertThat(op.kind).isEqualTo(ShardOp.Kind.UPSERT);
        assertThat(op.shardKey).isEqualTo(KEYS.keyOf(KEYS.shardOf("docs", "a1")));
        assertThat(op.vector).containsExactly(1f, 2f, 3f);
        assertThat(new String(op.payload, StandardCharsets.UTF_8)).isEqualTo("{\"t\":\"x\"}");
        assertThat(op.version).isEqualTo(4);
        assertThat(op.partition).isEqualTo(2);
        assertThat(op.offset).isEqualTo(40);
    }

    @Test
    void forwardsAvroUpsertsAndDeletes() {
        UpsertRecord upsert =
                UpsertRecord.newBuilder()
                        .setCollection("docs")
                        .setId("b")
                        .setOp(Op.UPSERT)
                        .setVector(List.of(1f, 0f, 0f))
                        .build();
        Outcome o = auto.decode(bytes(UpsertCodec.encodeAvro(upsert)), SPECS);
        assertThat(o.op().kind).isEqualTo(ShardOp.Kind.UPSERT);
        assertThat(o.op().version).isEqualTo(ShardOp.NO_VERSION);
        assertThat(o.op().payload).isNull();

        UpsertRecord delete =
                UpsertRecord.newBuilder().setCollection("docs").setId("b").setOp(Op.DELETE).build();
        Outcome d = auto.decode(bytes(UpsertCodec.encodeAvro(delete)), SPECS);
        assertThat(d.op().kind).isEqualTo(ShardOp.Kind.DELETE);
        assertThat(d.op().shardKey).isEqualTo(o.op().shardKey);
    }

    @Test
    void parksARecordOfAnUnknownCollection() {
        Outcome o = decode("{\"collection\":\"later\",\"id\":\"a\",\"vector\":[1]}");
        assertThat(o.action()).isEqualTo(Action.PARK);
        assertThat(o.collection()).isEqualTo("later");
    }

    @Test
    void rejectsEveryKindOfBadRecordWithItsReason() {
        rejects("{\"collection\":\"docs\",\"id\":", Reason.MALFORMED_JSON, "malformed JSON");
        rejects("[1,2]", Reason.MALFORMED_JSON, "not a JSON object");
        rejects("{\"collection\":\"docs\",\"vector\":[1,2,3]}", Reason.MISSING_FIELD, "'id'");
        rejects(
                "{\"collection\":\"docs\",\"id\":\"" + "x".repeat(513) + "\",\"vector\":[1,2,3]}",
                Reason.INVALID_ID,
                "id has 513 UTF-8 bytes");
        rejects(
                "{\"collection\":\"docs\",\"id\":\"\",\"vector\":[1,2,3]}",
                Reason.INVALID_ID,
                "must not be empty");
        rejects(
                "{\"collection\":\"bad name!\",\"id\":\"a\",\"vector\":[1,2,3]}",
                Reason.INVALID_COLLECTION,
                "collection name 'bad name!'");
        rejects(
                "{\"collection\":\"docs\",\"id\":\"a\",\"vector\":[1,2]}",
                Reason.DIMENSION_MISMATCH,
                "vector has 2 dimensions, collection 'docs' expects 3");
        rejects(
                "{\"collection\":\"docs\",\"id\":\"a\",\"vector\":[1,NaN,3]}",
                Reason.NON_FINITE_COMPONENT,
                "vector component 1 is NaN");
        rejects(
                "{\"collection\":\"docs\",\"id\":\"a\",\"vector\":[1,2,-Infinity]}",
                Reason.NON_FINITE_COMPONENT,
                "vector component 2 is -Infinity");
        rejects(
                "{\"collection\":\"docs\",\"id\":\"a\",\"vector\":[1,2,3],\"payload\":{\"t\":\""
                        + "y".repeat(65 * 1024)
                        + "\"}}",
                Reason.PAYLOAD_TOO_LARGE,
                "at most 65536");
        rejects(
                "{\"collection\":\"docs\",\"id\":\"a\",\"op\":\"merge\",\"vector\":[1,2,3]}",
                Reason.UNKNOWN_OP,
                "op must be 'upsert' or 'delete'");
        rejects(
                "{\"collection\":\"docs\",\"id\":\"a\",\"vector\":\"oops\"}",
                Reason.WRONG_TYPE,
                "vector must be an array");
        rejects(
                "{\"collection\":\"docs\",\"id\":\"a\"}",
                Reason.MISSING_FIELD,
                "an upsert needs a 'vector'");
        rejects(
                "{\"collection\":\"docs\",\"id\":\"a\",\"vector\":[1,2,3],\"version\":-1}",
                Reason.INVALID_VERSION,
                "version must be >= 0");
    }

    @Test
    void rejectsMalformedAvroAndEmptyValues() {
        byte[] garbage = {(byte) 0xC3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9};
        Outcome o = auto.decode(bytes(garbage), SPECS);
        assertThat(o.reason()).isEqualTo(Reason.MALFORMED_AVRO);
        assertThat(o.message()).contains("cannot decode Avro record");
        assertThat(auto.decode(bytes(new byte[0]), SPECS).reason())
                .isEqualTo(Reason.UNKNOWN_ENCODING);
        assertThat(auto.decode(bytes(null), SPECS).reason()).isEqualTo(Reason.UNKNOWN_ENCODING);
        RecordDecoder avroOnly = new RecordDecoder(RecordFormat.AVRO, KEYS);
        assertThat(avroOnly.decode(json("{\"collection\":\"docs\"}"), SPECS).reason())
                .isEqualTo(Reason.MALFORMED_AVRO);
    }

    @Test
    void namesTheWaitWhenAnUnknownCollectionExpires() {
        Outcome o = RecordDecoder.unknownCollection("ghost", 10_000);
        assertThat(o.reason()).isEqualTo(Reason.UNKNOWN_COLLECTION);
        assertThat(o.message()).contains("collection 'ghost' does not exist (waited 10000 ms");
    }

    private void rejects(String json, Reason reason, String message) {
        Outcome o = decode(json);
        assertThat(o.action()).as(json).isEqualTo(Action.REJECT);
        assertThat(o.reason()).as(json).isEqualTo(reason);
        assertThat(o.message()).as(json).contains(message);
    }

    private Outcome decode(String json) {
        return auto.decode(json(json), SPECS);
    }

    private static KafkaBytes json(String json) {
        return bytes(json.getBytes(StandardCharsets.UTF_8));
    }

    private static KafkaBytes bytes(byte[] value) {
        return new KafkaBytes("k".getBytes(StandardCharsets.UTF_8), value, 2, 40);
    }

    static CollectionSpec spec(String name, int dimension) {
        try {
            return CollectionSpecs.fromJson(
                    name,
                    UpsertCodec.mapper()
                            .readTree("{\"dimension\":" + dimension + ",\"metric\":\"l2\"}"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
