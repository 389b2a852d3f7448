package io.quiver.shard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.quiver.schemas.filter.Condition;
import io.quiver.schemas.filter.Filter;
import io.quiver.schemas.filter.Filters;
import io.quiver.schemas.filter.Match;
import io.quiver.schemas.filter.Range;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Filter} compiled once per request into a test over a point's payload (its UTF-8 JSON
 * bytes, as {@link LiveCollection} keeps them).
 *
 * <p>Each test reads the payload with a streaming parser and keeps only the scalar values of the
 * top-level fields the filter names (every element for an array field, nothing for an object
 * field), skipping the rest unparsed, so a point with a large payload costs little more than one
 * pass over its bytes. A point without a payload, or with one that cannot be read, has no fields:
 * it fails every match and range and so passes a filter made only of {@code must_not}.
 *
 * <p>Immutable and thread-safe; a test allocates only the values it extracts.
 */
public final class PayloadFilter {

    private static final JsonFactory JSON = new JsonFactory();

    private final Map<String, Integer> slots;
    private final Node root;

    private PayloadFilter(Map<String, Integer> slots, Node root) {
        this.slots = slots;
        this.root = root;
    }

    /** Compiles {@code filter}. */
    public static PayloadFilter compile(Filter filter) {
        Map<String, Integer> slots = new HashMap<>();
        Node root = compile(filter, slots);
        return new PayloadFilter(Map.copyOf(slots), root);
    }

    /**
     * Parses and compiles UTF-8 JSON as carried by the search RPC.
     *
     * @throws io.quiver.schemas.filter.FilterException when the filter is invalid
     */
    public static PayloadFilter parse(byte[] json) {
        return compile(Filters.parse(json));
    }

    /** Whether a point whose payload is {@code payload} (null for none) passes. */
    public boolean test(byte[] payload) {
        return root.test(values(payload));
    }

    private Object[][] values(byte[] payload) {
        Object[][] values = new Object[slots.size()][];
        if (payload == null || slots.isEmpty()) {
            return values;
        }
        try (JsonParser p = JSON.createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return values;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                Integer slot = slots.get(p.currentName());
                JsonToken t = p.nextToken();
                if (slot == null) {
                    p.skipChildren();
                } else if (t == JsonToken.START_ARRAY) {
                    values[slot] = arrayValues(p);
                } else if (t == JsonToken.START_OBJECT) {
                    p.skipChildren();
                } else {
                    values[slot] = new Object[] {scalar(p, t)};
                }
            }
        } catch (IOException e) {
            // Payloads were validated as JSON objects on the way in; an unreadable one has no
            // fields rather than failing the whole search.
            return new Object[slots.size()][];
        }
        return values;
    }

    private static Object[] arrayValues(JsonParser p) throws IOException {
        List<Object> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
                p.skipChildren();
            } else {
                out.add(scalar(p, t));
            }
        }
        return out.toArray();
    }

    /** A String, Long, Double, Boolean or null for JSON null. */
    private static Object scalar(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                        ? (Object) p.getDoubleValue()
                        : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            default:
                return null;
        }
    }

    private static Node compile(Filter filter, Map<String, Integer> slots) {
        Node[] must = compile(filter.must(), slots);
        Node[] should = compile(filter.should(), slots);
        Node[] mustNot = compile(filter.mustNot(), slots);
        return values -> {
            for (Node n : must) {
                if (!n.test(values)) {
                    return false;
                }
            }
            for (Node n : mustNot) {
                if (n.test(values)) {
                    return false;
                }
            }
            if (should.length == 0) {
                return true;
            }
            for (Node n : should) {
                if (n.test(values)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static Node[] compile(List<Condition> conditions, Map<String, Integer> slots) {
        Node[] out = new Node[conditions.size()];
        for (int i = 0; i < out.length; i++) {
            Condition c = conditions.get(i);
            if (c instanceof Filter f) {
                out[i] = compile(f, slots);
            } else if (c instanceof Match m) {
                int slot = slots.computeIfAbsent(m.key(), k -> slots.size());
                out[i] = values -> anyMatches(values[slot], m.value());
            } else {
                Range r = (Range) c;
                int slot = slots.computeIfAbsent(r.key(), k -> slots.size());
                out[i] = values -> anyInRange(values[slot], r);
            }
        }
        return out;
    }

    private static boolean anyMatches(Object[] values, Object expected) {
        if (values == null) {
            return false;
        }
        for (Object v : values) {
            if (matches(v, expected)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Object value, Object expected) {
        if (expected instanceof Long l) {
            // Integers match equal numbers whatever their JSON spelling (3 and 3.0).
            if (value instanceof Long v) {
                return v.longValue() == l.longValue();
            }
            return value instanceof Double d && d == (double) l.longValue();
        }
        return expected.equals(value);
    }

    private static boolean anyInRange(Object[] values, Range range) {
        if (values == null) {
            return false;
        }
        for (Object v : values) {
            if (v instanceof Long l && range.contains(l.doubleValue())) {
                return true;
            }
            if (v instanceof Double d && range.contains(d)) {
                return true;
            }
        }
        return false;
    }

    /** One compiled condition over the extracted values, indexed by slot. */
    @FunctionalInterface
    private interface Node {
        boolean test(Object[][] values);
    }
}
