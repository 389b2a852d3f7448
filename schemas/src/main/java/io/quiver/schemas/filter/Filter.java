package io.quiver.schemas.filter;

import java.util.List;

/**
 * A boolean filter over a point's payload, in Qdrant's syntax: a point passes when it satisfies
 * every {@code must} condition, at least one {@code should} condition (when there are any) and no
 * {@code must_not} condition. An empty filter passes every point. Parse and write it with {@link
 * Filters}.
 */
public record Filter(List<Condition> must, List<Condition> should, List<Condition> mustNot)
        implements Condition {

    /** The filter that passes every point. */
    public static final Filter ALL = new Filter(List.of(), List.of(), List.of());

    public Filter {
        must = List.copyOf(must);
        should = List.copyOf(should);
        mustNot = List.copyOf(mustNot);
    }

    /** Whether this filter has no condition at all (and so passes every point). */
    public boolean isEmpty() {
        return must.isEmpty() && should.isEmpty() && mustNot.isEmpty();
    }
}
