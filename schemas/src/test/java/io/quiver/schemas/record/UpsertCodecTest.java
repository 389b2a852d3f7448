package io.quiver.schemas.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpsertCodecTest {

    private static UpsertRecord sample() {
        return UpsertRecord.newBuilder()
                .setCollection("docs")
                .setId("a1")
                .setOp(Op.UPSERT)
                .setVector(List.of(0.5f, -1f, 2f))
                .setPayload("{\"title\":\"x\"}")
                .setVersion(7L)
                .build();
    }

    @Test
    void jsonAndAvroRoundTripAndAutoDetect() {
        UpsertRecord r = sample();
        byte[] json = UpsertCodec.encodeJson(r);
        byte[] avro = UpsertCodec.encodeAvro(r);
        assertThat(UpsertCodec.isAvroSingleObject(avro)).isTrue();
        assertThat(UpsertCodec.decode(json, RecordFormat.AUTO)).isEqualTo(r);
        assertThat(UpsertCodec.decode(avro, RecordFormat.AUTO)).isEqualTo(r);
        assertThat(UpsertCodec.decode(avro, RecordFormat.AVRO)).isEqualTo(r);
    }

    @Test
    void jsonDefaultsOpToUpsertAndAcceptsDelete() {
        UpsertRecord up =
                UpsertCodec.decodeJson(bytes("{\"collection\":\"c\",\"id\":\"1\",\"vector\":[1]}"));
        assertThat(up.getOp()).isEqualTo(Op.UPSERT);
        UpsertRecord del =
                UpsertCodec.decodeJson(
                        bytes("{\"collection\":\"c\",\"id\":\"1\",\"op\":\"delete\"}"));
        assertThat(del.getOp()).isEqualTo(Op.DELETE);
        assertThat(del.getVector()).isNull();
    }

    @Test
    void rejectsMalformedInputWithReasons() {
        assertReason("{\"collection\":", Reason.MALFORMED_JSON);
        assertReason("[1,2]", Reason.MALFORMED_JSON);
        assertReason("{\"id\":\"1\"}", Reason.MISSING_FIELD);
        assertReason("{\"collection\":\"c\",\"id\":5}", Reason.WRONG_TYPE);
        assertReason("{\"collection\":\"c\",\"id\":\"1\",\"op\":\"merge\"}", Reason.UNKNOWN_OP);
        assertReason("{\"collection\":\"c\",\"id\":\"1\",\"vector\":[1,\"x\"]}", Reason.WRONG_TYPE);
        assertReason("{\"collection\":\"c\",\"id\":\"1\",\"payload\":[1]}", Reason.INVALID_PAYLOAD);
        assertReason("{\"collection\":\"c\",\"id\":\"1\",\"version\":1.5}", Reason.INVALID_VERSION);
        assertReason("{\"collection\":\"c\",\"id\":\"1\"} trailing", Reason.MALFORMED_JSON);
        assertThatThrownBy(
                        () ->
                                UpsertCodec.decode(
                                        new byte[] {(byte) 0xC3, 1, 9, 9}, RecordFormat.AUTO))
                .isInstanceOfSatisfying(
                        InvalidRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_AVRO));
        assertThatThrownBy(() -> UpsertCodec.decode(new byte[0], RecordFormat.AUTO))
                .hasMessageContaining("empty");
    }

    @Test
    void truncatedAvroIsMalformed() {
        byte[] avro = UpsertCodec.encodeAvro(sample());
        byte[] cut = java.util.Arrays.copyOf(avro, avro.length - 5);
        assertThatThrownBy(() -> UpsertCodec.decode(cut, RecordFormat.AUTO))
                .isInstanceOfSatisfying(
                        InvalidRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_AVRO));
    }

    private static void assertReason(String json, Reason reason) {
        assertThatThrownBy(() -> UpsertCodec.decode(bytes(json), RecordFormat.AUTO))
                .isInstanceOfSatisfying(
                        InvalidRecordException.class,
                        e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
