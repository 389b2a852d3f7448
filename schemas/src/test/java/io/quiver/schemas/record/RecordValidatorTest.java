package io.quiver.schemas.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.collection.CollectionSpecs;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordValidatorTest {

    private static final CollectionSpec SPEC = spec();

    private static CollectionSpec spec() {
        ObjectNode body = UpsertCodec.mapper().createObjectNode();
        body.put("dimension", 3).put("metric", "l2");
        return CollectionSpecs.fromJson("docs", body);
    }

    private static UpsertRecord.Builder upsert() {
        return UpsertRecord.newBuilder()
                .setCollection("docs")
                .setId("a")
                .setOp(Op.UPSERT)
                .setVector(List.of(1f, 2f, 3f))
                .setPayload(null)
                .setVersion(null);
    }

    @Test
    void acceptsValidUpsertAndDelete() {
        assertThat(RecordValidator.validate(upsert().build(), SPEC)).containsExactly(1f, 2f, 3f);
        assertThat(
                        RecordValidator.validate(
                                upsert().setOp(Op.DELETE).setVector(null).build(), SPEC))
                .isNull();
    }

    @Test
    void namesEveryProblem() {
        check(upsert().setId("").build(), Reason.INVALID_ID, "empty");
        check(upsert().setId("x".repeat(513)).build(), Reason.INVALID_ID, "513 UTF-8 bytes");
        check(upsert().setCollection("no such!").build(), Reason.INVALID_COLLECTION, "no such!");
        check(
                upsert().setVector(List.of(1f, 2f)).build(),
                Reason.DIMENSION_MISMATCH,
                "vector has 2 dimensions, collection 'docs' expects 3");
        check(
                upsert().setVector(List.of(1f, Float.NaN, 3f)).build(),
                Reason.NON_FINITE_COMPONENT,
                "component 1 is NaN");
        check(
                upsert().setVector(List.of(1f, 2f, Float.POSITIVE_INFINITY)).build(),
                Reason.NON_FINITE_COMPONENT,
                "Infinity");
        check(upsert().setVector(null).build(), Reason.MISSING_FIELD, "vector");
        check(
                upsert().setPayload("{\"t\":\"" + "x".repeat(70_000) + "\"}").build(),
                Reason.PAYLOAD_TOO_LARGE,
                "at most 65536");
        check(upsert().setPayload("not json").build(), Reason.INVALID_PAYLOAD, "JSON");
        check(upsert().setVersion(-1L).build(), Reason.INVALID_VERSION, "-1");
        assertThatThrownBy(() -> RecordValidator.validate(upsert().build(), null))
                .hasMessageContaining("collection 'docs' does not exist");
    }

    private static void check(UpsertRecord r, Reason reason, String message) {
        assertThatThrownBy(() -> RecordValidator.validate(r, SPEC))
                .isInstanceOfSatisfying(
                        InvalidRecordException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(message);
    }
}
