package io.quiver.query.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.record.InvalidRecordException;
import io.quiver.schemas.record.RecordValidator;
import io.quiver.schemas.record.UpsertCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the points of upsert and delete requests into records, validated by the same {@link
 * RecordValidator} the job uses, so HTTP refuses exactly what the job would dead-letter. Errors
 * name the point's index in the batch.
 */
final class PointsParser {

    private static final Set<String> BODY_FIELDS = Set.of("points");
    private static final Set<String> POINT_FIELDS = Set.of("id", "vector", "payload", "version");

    private PointsParser() {}

    static List<UpsertRecord> upserts(ObjectNode body, CollectionSpec spec, int maxBatch) {
        JsonNode points = batch(body, maxBatch, "upsert request");
        List<UpsertRecord> out = new ArrayList<>(points.size());
        for (int i = 0; i < points.size(); i++) {
            String where = "points[" + i + "]";
            JsonNode p = points.get(i);
            if (!p.isObject()) {
                throw new BadRequestException(
                        "wrong_type", where + " must be a JSON object, got " + JsonBodies.type(p));
            }
            JsonBodies.onlyFields(p, POINT_FIELDS, where);
            // The record codec reads the same fields a producer would write to Kafka.
            ObjectNode record = Json.MAPPER.createObjectNode();
            record.put("collection", spec.getName());
            record.put("op", "upsert");
            p.fields().forEachRemaining(f -> record.set(f.getKey(), f.getValue()));
            try {
                UpsertRecord r = UpsertCodec.fromJson(record);
                RecordValidator.validate(r, spec);
                out.add(r);
            } catch (InvalidRecordException e) {
                throw RecordErrors.of(e, where);
            }
        }
        return out;
    }

    static List<UpsertRecord> deletes(ObjectNode body, CollectionSpec spec, int maxBatch) {
        JsonNode points = batch(body, maxBatch, "delete request");
        List<UpsertRecord> out = new ArrayList<>(points.size());
        for (int i = 0; i < points.size(); i++) {
            String where = "points[" + i + "]";
            JsonNode id = points.get(i);
            if (!id.isTextual()) {
                throw new BadRequestException(
                        "wrong_type",
                        where + " must be a point id as a string, got " + JsonBodies.type(id));
            }
            UpsertRecord r =
                    UpsertRecord.newBuilder()
                            .setCollection(spec.getName())
                            .setId(id.textValue())
                            .setOp(Op.DELETE)
                            .setVector(null)
                            .setPayload(null)
                            .setVersion(null)
                            .build();
            try {
                RecordValidator.validate(r, spec);
            } catch (InvalidRecordException e) {
                throw RecordErrors.of(e, where);
            }
            out.add(r);
        }
        return out;
    }

    private static JsonNode batch(ObjectNode body, int maxBatch, String where) {
        JsonBodies.onlyFields(body, BODY_FIELDS, where);
        JsonNode points = body.get("points");
        if (points == null || points.isNull()) {
            throw new BadRequestException("missing_field", "missing field 'points' in " + where);
        }
        if (!points.isArray()) {
            throw JsonBodies.wrongType("points", "an array", points);
        }
        if (points.isEmpty()) {
            throw new InvalidRequestException("empty_batch", "'points' must not be empty");
        }
        if (points.size() > maxBatch) {
            throw new InvalidRequestException(
                    "batch_too_large",
                    "batch has "
                            + points.size()
                            + " points, at most "
                            + maxBatch
                            + " are allowed per request");
        }
        return points;
    }
}
