package io.quiver.schemas.filter;

import java.util.Objects;

/**
 * {@code {"key": "color", "match": {"value": "red"}}}: the payload field {@code key} equals {@code
 * value}, or, when the field is an array, one of its elements does.
 *
 * @param value a {@link String} (keyword), a {@link Long} (integer; equal numbers match, so 3
 *     matches 3.0) or a {@link Boolean}
 */
public record Match(String key, Object value) implements Condition {

    public Match {
        Objects.requireNonNull(key, "key");
        if (!(value instanceof String || value instanceof Long || value instanceof Boolean)) {
            throw new IllegalArgumentException(
                    "match value must be a String, Long or Boolean, got " + value);
        }
    }
}
