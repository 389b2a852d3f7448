package io.quiver.schemas.record;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.schemas.AvroTrust;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads and writes upsert records in both encodings of the upserts topic.
 *
 * <p>JSON: {@code {"collection": "docs", "id": "a1", "op": "upsert", "vector": [0.1, ...],
 * "payload": {...}, "version": 7}}; {@code op} is {@code upsert} (default) or {@code delete},
 * {@code payload} and {@code version} are optional. Avro: single-object encoding of {@link
 * UpsertRecord} (payload as JSON text). Decoding checks structure only; {@link RecordValidator}
 * checks the record against its collection.
 */
public final class UpsertCodec {

    private static final ObjectMapper JSON =
            JsonMapper.builder(new JsonFactory())
                    // NaN and Infinity parse, so the validator can name the bad component.
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .enable(
                            com.fasterxml.jackson.databind.DeserializationFeature
                                    .FAIL_ON_TRAILING_TOKENS)
                    .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build();

    static {
        AvroTrust.ensure();
    }

    private UpsertCodec() {}

    /** The shared mapper configured for Quiver's JSON (NaN accepted, duplicates refused). */
    public static ObjectMapper mapper() {
        return JSON;
    }

    /** Decodes {@code bytes} in the given format. */
    public static UpsertRecord decode(byte[] bytes, RecordFormat format) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidRecordException(Reason.UNKNOWN_ENCODING, "record value is empty");
        }
        switch (format) {
            case JSON:
                return decodeJson(bytes);
            case AVRO:
                return decodeAvro(bytes);
            default:
                return isAvroSingleObject(bytes) ? decodeAvro(bytes) : decodeJson(bytes);
        }
    }

    /** Whether {@code bytes} start with the Avro single-object marker {@code C3 01}. */
    public static boolean isAvroSingleObject(byte[] bytes) {
        return bytes.length >= 2 && bytes[0] == (byte) 0xC3 && bytes[1] == (byte) 0x01;
    }

    public static UpsertRecord decodeAvro(byte[] bytes) {
        if (!isAvroSingleObject(bytes)) {
            throw new InvalidRecordException(
                    Reason.MALFORMED_AVRO,
                    "record does not start with the Avro single-object marker C3 01");
        }
        UpsertRecord record;
        try {
            record = UpsertRecord.getDecoder().decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw new InvalidRecordException(
                    Reason.MALFORMED_AVRO, "cannot decode Avro record: " + e.getMessage(), e);
        }
        if (record.getCollection() == null || record.getId() == null || record.getOp() == null) {
            throw new InvalidRecordException(
                    Reason.MISSING_FIELD, "Avro record lacks collection, id or op");
        }
        return record;
    }

    public static UpsertRecord decodeJson(byte[] bytes) {
        JsonNode root;
        try (JsonParser parser = JSON.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidRecordException(
                        Reason.MALFORMED_JSON, "record is not a JSON object");
            }
            root = JSON.readTree(parser);
            if (parser.nextToken() != null) {
                throw new InvalidRecordException(
                        Reason.MALFORMED_JSON, "trailing data after the JSON object");
            }
        } catch (IOException e) {
            throw new InvalidRecordException(
                    Reason.MALFORMED_JSON, "malformed JSON: " + firstLine(e.getMessage()), e);
        }
        return fromJson(root);
    }

    /** Builds a record from a parsed JSON object, as {@link #decodeJson} does. */
    public static UpsertRecord fromJson(JsonNode root) {
        UpsertRecord.Builder b = UpsertRecord.newBuilder();
        b.setCollection(text(root, "collection"));
        b.setId(text(root, "id"));
        b.setOp(op(root.get("op")));
        JsonNode vector = root.get("vector");
        b.setVector(vector == null || vector.isNull() ? null : floats(vector, "vector"));
        JsonNode payload = root.get("payload");
        if (payload == null || payload.isNull()) {
            b.setPayload(null);
        } else if (payload.isObject()) {
            b.setPayload(payload.toString());
        } else {
            throw new InvalidRecordException(
                    Reason.INVALID_PAYLOAD,
                    "payload must be a JSON object, got " + nodeType(payload));
        }
        JsonNode version = root.get("version");
        if (version == null || version.isNull()) {
            b.setVersion(null);
        } else if (version.isIntegralNumber() && version.canConvertToLong()) {
            b.setVersion(version.longValue());
        } else {
            throw new InvalidRecordException(
                    Reason.INVALID_VERSION, "version must be an integer, got " + version);
        }
        return b.build();
    }

    /** Reads a JSON array of numbers as floats; names the field in errors. */
    public static List<Float> floats(JsonNode array, String field) {
        if (!array.isArray()) {
            throw new InvalidRecordException(
                    Reason.WRONG_TYPE,
                    field + " must be an array of numbers, got " + nodeType(array));
        }
        List<Float> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode n = array.get(i);
            if (!n.isNumber()) {
                throw new InvalidRecordException(
                        Reason.WRONG_TYPE,
                        field + "[" + i + "] must be a number, got " + nodeType(n));
            }
            out.add(n.floatValue());
        }
        return out;
    }

    public static byte[] encodeAvro(UpsertRecord record) {
        try {
            return UpsertRecord.getEncoder().encode(record).array();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode Avro record", e);
        }
    }

    public static byte[] encodeJson(UpsertRecord record) {
        ObjectNode root = JSON.createObjectNode();
        root.put("collection", record.getCollection());
        root.put("id", record.getId());
        root.put("op", record.getOp().name().toLowerCase(Locale.ROOT));
        if (record.getVector() != null) {
            var arr = root.putArray("vector");
            for (Float f : record.getVector()) {
                arr.add(f);
            }
        }
        if (record.getPayload() != null) {
            try {
                root.set("payload", JSON.readTree(record.getPayload()));
            } catch (IOException e) {
                throw new InvalidRecordException(
                        Reason.INVALID_PAYLOAD, "payload is not JSON: " + e.getMessage(), e);
            }
        }
        if (record.getVersion() != null) {
            root.put("version", record.getVersion());
        }
        return root.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new InvalidRecordException(Reason.MISSING_FIELD, "missing field '" + field + "'");
        }
        if (!n.isTextual()) {
            throw new InvalidRecordException(
                    Reason.WRONG_TYPE, field + " must be a string, got " + nodeType(n));
        }
        return n.textValue();
    }

    private static Op op(JsonNode n) {
        if (n == null || n.isNull()) {
            return Op.UPSERT;
        }
        if (n.isTextual()) {
            String s = n.textValue().toUpperCase(Locale.ROOT);
            if (s.equals("UPSERT") || s.equals("DELETE")) {
                return Op.valueOf(s);
            }
        }
        throw new InvalidRecordException(
                Reason.UNKNOWN_OP, "op must be 'upsert' or 'delete', got " + n);
    }

    static String nodeType(JsonNode n) {
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
