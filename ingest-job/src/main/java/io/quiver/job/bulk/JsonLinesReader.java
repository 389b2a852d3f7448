package io.quiver.job.bulk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.record.InvalidRecordException;
import io.quiver.schemas.record.Reason;
import io.quiver.schemas.record.RecordValidator;
import io.quiver.schemas.record.UpsertCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads JSON lines, one upsert per line in the upserts topic's JSON form ({@code collection} may be
 * left out). A line that is not a valid upsert throws {@link InvalidRecordException} and the reader
 * moves on to the next line.
 */
final class JsonLinesReader implements VectorFileReader {

    private final BufferedReader in;
    private final String collection;

    /** {@code collection} fills in lines that name none. */
    JsonLinesReader(InputStream in, String collection) {
        this.collection = collection;
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    }

    @Override
    public BulkRecord next() throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                return null;
            }
        } while (line.isBlank());
        JsonNode root;
        try {
            root = UpsertCodec.mapper().readTree(line);
        } catch (IOException e) {
            throw new InvalidRecordException(Reason.MALFORMED_JSON, "malformed JSON line", e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidRecordException(Reason.MALFORMED_JSON, "line is not a JSON object");
        }
        if (!root.hasNonNull("collection")) {
            ((ObjectNode) root).put("collection", collection);
        }
        return toRecord(UpsertCodec.fromJson(root));
    }

    /** A bulk record of an upsert; deletes have no place in a bulk load. */
    static BulkRecord toRecord(UpsertRecord r) {
        if (r.getOp() == Op.DELETE) {
            throw new InvalidRecordException(
                    Reason.UNKNOWN_OP,
                    "a bulk load takes upserts only, got a delete of '" + r.getId() + "'");
        }
        if (r.getVector() == null) {
            throw new InvalidRecordException(Reason.MISSING_FIELD, "an upsert needs a 'vector'");
        }
        float[] v = new float[r.getVector().size()];
        for (int i = 0; i < v.length; i++) {
            Float f = r.getVector().get(i);
            v[i] = f == null ? Float.NaN : f;
        }
        RecordValidator.checkId(r.getId());
        return new BulkRecord(r.getId(), v, r.getPayload(), r.getCollection());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
