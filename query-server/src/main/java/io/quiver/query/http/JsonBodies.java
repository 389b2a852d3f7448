package io.quiver.query.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.quiver.query.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** Reading request bodies, with errors that name the field and what was wrong with it. */
final class JsonBodies {

    /**
     * Reads one value in the middle of a body: the mapper's trailing-token check would take the
     * next field for trailing data, so {@link #objectWithVector} checks the end itself.
     */
    private static final ObjectReader FIELD_READER =
            Json.MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
        } catch (IOException e) {
            throw malformed(e);
        }
        return checkObject(node, what);
    }

    /**
     * A JSON object whose top-level array field {@code vectorField}, when it holds numbers only, is
     * read straight into a {@code float[]} instead of a tree of number nodes: a search body is
     * mostly its vector, and building hundreds of nodes only to copy them out again was most of the
     * cost of parsing it. The field is then left out of {@link VectorBody#rest}. Anything else (a
     * vector that is not an array, holds a non-number, or is null) stays in {@code rest} as it was
     * written, so every error reads as it does with {@link #object}. Each number becomes the float
     * the tree's number node would give. A well-formed body takes {@link VectorBodyScanner}'s
     * faster path to the same result.
     */
    static VectorBody objectWithVector(ByteBuf body, String what, String vectorField) {
        if (body == null || !body.isReadable()) {
            throw new BadRequestException(
                    "empty_body", "request body is empty; expected " + what + " as a JSON object");
        }
        VectorBody scanned = VectorBodyScanner.read(body, vectorField);
        return scanned != null ? scanned : objectWithVectorByJackson(body, what, vectorField);
    }

    /** {@link #objectWithVector} by Jackson's parser alone: every error case lands here. */
    static VectorBody objectWithVectorByJackson(ByteBuf body, String what, String vectorField) {
        if (body == null || !body.isReadable()) {
            throw new BadRequestException(
                    "empty_body", "request body is empty; expected " + what + " as a JSON object");
        }
        try (ByteBufInputStream in = new ByteBufInputStream(body.duplicate());
                JsonParser p = Json.MAPPER.createParser((InputStream) in)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                JsonNode node = first == null ? null : FIELD_READER.readTree(p);
                if (node != null && p.nextToken() != null) {
                    throw trailing(p);
                }
                checkObject(node, what);
            }
            ObjectNode rest = Json.MAPPER.createObjectNode();
            float[] vector = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.START_ARRAY && name.equals(vectorField)) {
                    Object read = readNumbers(p);
                    if (read instanceof float[] f) {
                        vector = f;
                    } else {
                        rest.set(name, (JsonNode) read);
                    }
                } else {
                    rest.set(name, FIELD_READER.readTree(p));
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw malformed(new JsonParseException(p, "unexpected end of the object"));
            }
            if (p.nextToken() != null) {
                throw trailing(p);
            }
            return new VectorBody(rest, vector);
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /**
     * A body read by {@link #objectWithVector}.
     *
     * @param rest every field but the vector when that was read as floats
     * @param vector the vector's numbers, or null when it stays in {@code rest} (or is absent)
     */
    record VectorBody(ObjectNode rest, float[] vector) {}

    /**
     * Reads the array the parser is at: a {@code float[]} when it holds numbers only, else the
     * array as a tree (numbers before the first non-number kept as their float values, which is all
     * later validation reads of them).
     */
    private static Object readNumbers(JsonParser p) throws IOException {
        float[] out = new float[64];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            float f;
            if (t == JsonToken.VALUE_NUMBER_FLOAT) {
                // A tree holds a DoubleNode; its floatValue() is this cast.
                f = (float) p.getDoubleValue();
            } else if (t == JsonToken.VALUE_NUMBER_INT) {
                f =
                        p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                                ? p.getBigIntegerValue().floatValue()
                                : (float) p.getLongValue();
            } else {
                ArrayNode array = Json.MAPPER.createArrayNode();
                for (int i = 0; i < n; i++) {
                    array.add(out[i]);
                }
                array.add((JsonNode) FIELD_READER.readTree(p));
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    array.add((JsonNode) FIELD_READER.readTree(p));
                }
                return array;
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = f;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    private static BadRequestException trailing(JsonParser p) {
        return malformed(
                new JsonParseException(
                        p, "Trailing token (of type " + p.currentToken() + ") found after value"));
    }

    private static BadRequestException malformed(IOException e) {
        if (e instanceof JsonProcessingException j) {
            JsonLocation at = j.getLocation();
            String where =
                    at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            return new BadRequestException(
                    "malformed_json", "malformed JSON" + where + ": " + j.getOriginalMessage());
        }
        return new BadRequestException("malformed_json", "cannot read the body: " + e.getMessage());
    }

    private static ObjectNode checkObject(JsonNode node, String what) {
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
