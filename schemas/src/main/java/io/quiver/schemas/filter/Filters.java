package io.quiver.schemas.filter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.schemas.Limits;
import io.quiver.schemas.record.UpsertCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and writes {@link Filter}s as JSON, in Qdrant's syntax:
 *
 * <pre>
 * {"must":     [{"key": "color", "match": {"value": "red"}}],
 *  "should":   [{"key": "stock", "match": {"value": true}}, {"must": [...]}],
 *  "must_not": [{"key": "price", "range": {"gt": 100}}]}
 * </pre>
 *
 * A clause is an array of conditions or a single condition. A condition is a {@code match} (value:
 * string, integer or boolean), a {@code range} (any of {@code gt}, {@code gte}, {@code lt}, {@code
 * lte}: finite numbers) or a nested filter. Keys name top-level payload fields, literally. Bounds:
 * {@link Limits#MAX_FILTER_DEPTH}, {@link Limits#MAX_FILTER_CONDITIONS}, {@link
 * Limits#MAX_FILTER_KEY_BYTES}.
 */
public final class Filters {

    private static final Set<String> FILTER_FIELDS = Set.of("must", "should", "must_not");
    private static final Set<String> FIELD_CONDITION_FIELDS = Set.of("key", "match", "range");
    private static final Set<String> MATCH_FIELDS = Set.of("value");
    private static final Set<String> RANGE_FIELDS = Set.of("gt", "gte", "lt", "lte");

    private Filters() {}

    /**
     * Parses {@code node}, named {@code where} in messages (e.g. {@code "filter"}).
     *
     * @throws FilterException naming the place and the problem
     */
    public static Filter parse(JsonNode node, String where) {
        return new Reader().filter(node, where, 1);
    }

    /** Parses UTF-8 JSON bytes, as carried by the search RPC. */
    public static Filter parse(byte[] json) {
        JsonNode node;
        try {
            node = UpsertCodec.mapper().readTree(json);
        } catch (IOException e) {
            throw malformed("malformed_filter", "filter is not valid JSON: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw malformed("malformed_filter", "filter is empty");
        }
        return parse(node, "filter");
    }

    /** The JSON form of {@code filter}; {@link #parse(JsonNode, String)} reads it back equal. */
    public static ObjectNode toJson(Filter filter) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        clause(out, "must", filter.must());
        clause(out, "should", filter.should());
        clause(out, "must_not", filter.mustNot());
        return out;
    }

    /** {@link #toJson} as UTF-8 bytes. */
    public static byte[] toBytes(Filter filter) {
        try {
            return UpsertCodec.mapper().writeValueAsBytes(toJson(filter));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a filter as JSON", e);
        }
    }

    private static void clause(ObjectNode out, String name, List<Condition> conditions) {
        if (conditions.isEmpty()) {
            return;
        }
        ArrayNode array = out.putArray(name);
        for (Condition c : conditions) {
            if (c instanceof Filter f) {
                array.add(toJson(f));
            } else if (c instanceof Match m) {
                ObjectNode match = array.addObject().put("key", m.key()).putObject("match");
                if (m.value() instanceof String s) {
                    match.put("value", s);
                } else if (m.value() instanceof Long l) {
                    match.put("value", l);
                } else {
                    match.put("value", (Boolean) m.value());
                }
            } else if (c instanceof Range r) {
                ObjectNode range = array.addObject().put("key", r.key()).putObject("range");
                bound(range, "gt", r.gt());
                bound(range, "gte", r.gte());
                bound(range, "lt", r.lt());
                bound(range, "lte", r.lte());
            }
        }
    }

    private static void bound(ObjectNode range, String name, Double value) {
        if (value != null) {
            range.put(name, value);
        }
    }

    /** One parse: counts conditions across the whole tree. */
    private static final class Reader {

        private int conditions;

        Filter filter(JsonNode node, String where, int depth) {
            if (!node.isObject()) {
                throw wrongType(where, "a JSON object", node);
            }
            if (depth > Limits.MAX_FILTER_DEPTH) {
                throw invalid(
                        "filter_too_deep",
                        where
                                + ": filters nest at most "
                                + Limits.MAX_FILTER_DEPTH
                                + " levels deep");
            }
            onlyFields(node, FILTER_FIELDS, where);
            return new Filter(
                    clause(node.get("must"), where + ".must", depth),
                    clause(node.get("should"), where + ".should", depth),
                    clause(node.get("must_not"), where + ".must_not", depth));
        }

        private List<Condition> clause(JsonNode node, String where, int depth) {
            if (node == null || node.isNull()) {
                return List.of();
            }
            List<Condition> out = new ArrayList<>();
            if (node.isObject()) {
                out.add(condition(node, where, depth));
            } else if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    out.add(condition(node.get(i), where + "[" + i + "]", depth));
                }
            } else {
                throw wrongType(where, "an array of conditions", node);
            }
            return out;
        }

        private Condition condition(JsonNode node, String where, int depth) {
            if (!node.isObject()) {
                throw wrongType(where, "a condition object", node);
            }
            if (++conditions > Limits.MAX_FILTER_CONDITIONS) {
                throw invalid(
                        "filter_too_large",
                        "a filter holds at most "
                                + Limits.MAX_FILTER_CONDITIONS
                                + " conditions; "
                                + where
                                + " is one too many");
            }
            if (!node.has("key")) {
                for (String f : FILTER_FIELDS) {
                    if (node.has(f)) {
                        return filter(node, where, depth + 1);
                    }
                }
                throw malformed(
                        "malformed_filter",
                        where
                                + ": a condition needs 'key' with 'match' or 'range', or a nested"
                                + " filter with 'must', 'should' or 'must_not'");
            }
            onlyFields(node, FIELD_CONDITION_FIELDS, where);
            String key = key(node.get("key"), where + ".key");
            JsonNode match = node.get("match");
            JsonNode range = node.get("range");
            if ((match == null) == (range == null)) {
                throw malformed(
                        "malformed_filter",
                        where
                                + ": a condition on '"
                                + key
                                + "' needs exactly one of 'match', 'range'");
            }
            return match != null
                    ? match(key, match, where + ".match")
                    : range(key, range, where + ".range");
        }

        private static String key(JsonNode node, String where) {
            if (!node.isTextual()) {
                throw wrongType(where, "a string", node);
            }
            String key = node.textValue();
            int bytes = key.getBytes(StandardCharsets.UTF_8).length;
            if (bytes == 0 || bytes > Limits.MAX_FILTER_KEY_BYTES) {
                throw invalid(
                        "invalid_filter_key",
                        where
                                + " must be 1 to "
                                + Limits.MAX_FILTER_KEY_BYTES
                                + " UTF-8 bytes, got "
                                + bytes);
            }
            return key;
        }

        private static Match match(String key, JsonNode node, String where) {
            if (!node.isObject()) {
                throw wrongType(where, "a JSON object", node);
            }
            onlyFields(node, MATCH_FIELDS, where);
            JsonNode v = node.get("value");
            if (v == null) {
                throw malformed("malformed_filter", where + ": missing field 'value'");
            }
            if (v.isTextual()) {
                return new Match(key, v.textValue());
            }
            if (v.isBoolean()) {
                return new Match(key, v.booleanValue());
            }
            if (v.isIntegralNumber() && v.canConvertToLong()) {
                return new Match(key, v.longValue());
            }
            throw invalid(
                    "invalid_match_value",
                    where
                            + ".value must be a keyword (string), an integer or a boolean, got "
                            + (v.isNumber() ? v.asText() : type(v)));
        }

        private static Range range(String key, JsonNode node, String where) {
            if (!node.isObject()) {
                throw wrongType(where, "a JSON object", node);
            }
            onlyFields(node, RANGE_FIELDS, where);
            if (node.isEmpty()) {
                throw invalid(
                        "invalid_range", where + " needs at least one of 'gt', 'gte', 'lt', 'lte'");
            }
            return new Range(
                    key,
                    bound(node, "gt", where),
                    bound(node, "gte", where),
                    bound(node, "lt", where),
                    bound(node, "lte", where));
        }

        private static Double bound(JsonNode range, String name, String where) {
            JsonNode n = range.get(name);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isNumber()) {
                throw wrongType(where + "." + name, "a number", n);
            }
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw invalid(
                        "invalid_range", where + "." + name + " must be finite, got " + n.asText());
            }
            return d;
        }
    }

    private static void onlyFields(JsonNode node, Set<String> allowed, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw malformed(
                        "malformed_filter",
                        where + ": unknown field '" + f + "'; allowed: " + new TreeSet<>(allowed));
            }
        }
    }

    private static FilterException wrongType(String where, String expected, JsonNode got) {
        return malformed("malformed_filter", where + " must be " + expected + ", got " + type(got));
    }

    private static String type(JsonNode n) {
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static FilterException malformed(String code, String message) {
        return new FilterException(code, true, message);
    }

    private static FilterException invalid(String code, String message) {
        return new FilterException(code, false, message);
    }
}
