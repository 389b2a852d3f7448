package io.quiver.schemas.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.RerankPolicy;
import java.io.IOException;

/**
 * The text a lexical reranker reads from a point: one top-level field of its JSON payload. The
 * shards (term statistics) and the query server (scoring) read it with the same rule.
 */
public final class PayloadText {

    /** Payload field read when a collection's {@code rerank_policy} names none. */
    public static final String DEFAULT_FIELD = "text";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PayloadText() {}

    /** The field {@code spec}'s rerank policy names, or {@value #DEFAULT_FIELD}. */
    public static String field(CollectionSpec spec) {
        RerankPolicy policy = spec.getRerankPolicy();
        return policy != null && policy.getTextField() != null
                ? policy.getTextField()
                : DEFAULT_FIELD;
    }

    /**
     * The payload's {@code field} as text: a string as is, any other value as its JSON, "" when the
     * payload is null, not a JSON object, or lacks the field (or holds null there).
     */
    public static String text(byte[] payload, String field) {
        if (payload == null || payload.length == 0) {
            return "";
        }
        try {
            JsonNode root = MAPPER.readTree(payload);
            JsonNode value = root == null ? null : root.get(field);
            if (value == null || value.isNull()) {
                return "";
            }
            return value.isTextual() ? value.textValue() : value.toString();
        } catch (IOException e) {
            return "";
        }
    }
}
