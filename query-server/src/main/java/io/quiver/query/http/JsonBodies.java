package io.quiver.query.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.quiver.query.internal.Json;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** Reading request bodies, with errors that name the field and what was wrong with it. */
final class JsonBodies {

    private JsonBodies() {}

    /** Parses the body as one JSON object. */
    static ObjectNode object(ByteBuf body, String what) {
        if (body == null || !body.isReadable()) {
            throw new BadRequestException(
                    "empty_body", "request body is empty; expected " + what + " as a JSON object");
        }
        JsonNode node;
        try (ByteBufInputStream in = new ByteBufInputStream(body.duplicate())) {
            node = Json.MAPPER.readTree(in);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where =
                    at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new BadRequestException(
                    "malformed_json", "malformed JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new BadRequestException(
                    "malformed_json", "cannot read the body: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new BadRequestException(
                    "empty_body", "request body is empty; expected " + what + " as a JSON object");
        }
        if (!node.isObject()) {
            throw new BadRequestException(
                    "wrong_type", what + " must be a JSON object, got " + type(node));
        }
        return (ObjectNode) node;
    }

    /** Refuses fields outside {@code allowed}, so a typo never silently falls back to a default. */
    static void onlyFields(JsonNode node, Set<String> allowed, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new BadRequestException(
                        "unknown_field",
                        "unknown field '"
                                + f
                                + "' in "
                                + where
                                + "; allowed: "
                                + new TreeSet<>(allowed));
            }
        }
    }

    /** An integer field, or {@code dflt} when absent or null. */
    static int intField(JsonNode node, String field, int dflt) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber()) {
            throw wrongType(field, "an integer", n);
        }
        if (!n.canConvertToInt()) {
            throw new InvalidRequestException(
                    "out_of_range", "'" + field + "' is out of range: " + n.asText());
        }
        return n.intValue();
    }

    static boolean booleanField(JsonNode node, String field, boolean dflt) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw wrongType(field, "true or false", n);
        }
        return n.booleanValue();
    }

    /** A number field as float, or null when absent. */
    static Float floatField(JsonNode node, String field) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw wrongType(field, "a number", n);
        }
        float f = n.floatValue();
        if (!Float.isFinite(f)) {
            throw new InvalidRequestException(
                    "non_finite_number", "'" + field + "' must be finite, got " + n.asText());
        }
        return f;
    }

    static BadRequestException wrongType(String field, String expected, JsonNode got) {
        return new BadRequestException(
                "wrong_type", "'" + field + "' must be " + expected + ", got " + type(got));
    }

    static String type(JsonNode n) {
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
