package io.quiver.schemas.record;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.schemas.Limits;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Checks a decoded record against its collection: the one rule set shared by the job (which
 * dead-letters what fails) and the query server (which answers 4xx).
 */
public final class RecordValidator {

    private RecordValidator() {}

    /**
     * Validates {@code record}; {@code spec} is its collection, or null when unknown.
     *
     * @return the vector as a float array for upserts (null for deletes)
     * @throws InvalidRecordException naming the first problem found
     */
    public static float[] validate(UpsertRecord record, CollectionSpec spec) {
        checkId(record.getId());
        String collection = record.getCollection();
        try {
            Limits.checkCollectionName(collection);
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException(Reason.INVALID_COLLECTION, e.getMessage());
        }
        if (spec == null) {
            throw new InvalidRecordException(
                    Reason.UNKNOWN_COLLECTION, "collection '" + collection + "' does not exist");
        }
        if (record.getVersion() != null && record.getVersion() < 0) {
            throw new InvalidRecordException(
                    Reason.INVALID_VERSION, "version must be >= 0, got " + record.getVersion());
        }
        if (record.getOp() == Op.DELETE) {
            return null;
        }
        float[] vector = checkVector(record.getVector(), spec);
        checkPayload(record.getPayload());
        return vector;
    }

    public static void checkId(String id) {
        if (id == null || id.isEmpty()) {
            throw new InvalidRecordException(Reason.INVALID_ID, "id must not be empty");
        }
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Limits.MAX_ID_BYTES) {
            throw new InvalidRecordException(
                    Reason.INVALID_ID,
                    "id has "
                            + bytes
                            + " UTF-8 bytes, at most "
                            + Limits.MAX_ID_BYTES
                            + " are allowed");
        }
    }

    /** Checks length and finiteness; returns the components as a float array. */
    public static float[] checkVector(List<Float> vector, CollectionSpec spec) {
        if (vector == null) {
            throw new InvalidRecordException(Reason.MISSING_FIELD, "an upsert needs a 'vector'");
        }
        float[] out = new float[vector.size()];
        for (int i = 0; i < out.length; i++) {
            Float f = vector.get(i);
            out[i] = f == null ? Float.NaN : f;
        }
        checkVector(out, spec);
        return out;
    }

    /** Checks that {@code vector} has the collection's dimension and only finite components. */
    public static void checkVector(float[] vector, CollectionSpec spec) {
        if (vector.length != spec.getDimension()) {
            throw new InvalidRecordException(
                    Reason.DIMENSION_MISMATCH,
                    "vector has "
                            + vector.length
                            + " dimensions, collection '"
                            + spec.getName()
                            + "' expects "
                            + spec.getDimension());
        }
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                throw new InvalidRecordException(
                        Reason.NON_FINITE_COMPONENT,
                        "vector component " + i + " is " + vector[i] + ", must be finite");
            }
        }
    }

    /** Checks the payload's size and that it is a JSON object; null is fine. */
    public static void checkPayload(String payload) {
        if (payload == null) {
            return;
        }
        int bytes = payload.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > Limits.MAX_PAYLOAD_BYTES) {
            throw new InvalidRecordException(
                    Reason.PAYLOAD_TOO_LARGE,
                    "payload has "
                            + bytes
                            + " bytes, at most "
                            + Limits.MAX_PAYLOAD_BYTES
                            + " are allowed");
        }
        JsonNode node;
        try {
            node = UpsertCodec.mapper().readTree(payload);
        } catch (IOException e) {
            throw new InvalidRecordException(
                    Reason.INVALID_PAYLOAD, "payload is not valid JSON", e);
        }
        if (node == null || !node.isObject()) {
            throw new InvalidRecordException(
                    Reason.INVALID_PAYLOAD, "payload must be a JSON object");
        }
    }
}
