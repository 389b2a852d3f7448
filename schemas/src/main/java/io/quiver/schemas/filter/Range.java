package io.quiver.schemas.filter;

import java.util.Objects;

/**
 * {@code {"key": "price", "range": {"gte": 10, "lt": 20}}}: the payload field {@code key} is a
 * number within every given bound, or, when the field is an array, one of its elements is. A field
 * that is missing or not a number never passes. Bounds are null when not given; at least one is
 * set.
 */
public record Range(String key, Double gt, Double gte, Double lt, Double lte) implements Condition {

    public Range {
        Objects.requireNonNull(key, "key");
        if (gt == null && gte == null && lt == null && lte == null) {
            throw new IllegalArgumentException("a range needs at least one bound");
        }
    }

    /** Whether {@code x} lies within every bound. */
    public boolean contains(double x) {
        return (gt == null || x > gt)
                && (gte == null || x >= gte)
                && (lt == null || x < lt)
                && (lte == null || x <= lte);
    }
}
