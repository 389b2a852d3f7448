package io.quiver.query.consistency;

import java.util.Locale;

/**
 * How fresh a search must be (DESIGN.md decision 7).
 *
 * <ul>
 *   <li>{@code EVENTUAL}: search what the shards have applied now; fastest, may miss the latest
 *       writes.
 *   <li>{@code SESSION}: the client passes the token its writes returned; every shard first applies
 *       at least those offsets.
 *   <li>{@code STRONG}: every write acknowledged before the search started is visible: the query
 *       server reads the upserts topic's end offsets at the start and every shard applies them
 *       first.
 * </ul>
 *
 * A shard that cannot catch up within the request's timeout makes the search fail with 504, never
 * answer stale data silently.
 */
public enum ReadConsistency {
    EVENTUAL,
    SESSION,
    STRONG;

    /**
     * Parses {@code eventual}, {@code session} or {@code strong}.
     *
     * @throws IllegalArgumentException naming the value
     */
    public static ReadConsistency parse(String s) {
        if (s != null) {
            for (ReadConsistency c : values()) {
                if (c.name().equalsIgnoreCase(s.trim())) {
                    return c;
                }
            }
        }
        throw new IllegalArgumentException(
                "'consistency' must be 'eventual', 'session' or 'strong', got '" + s + "'");
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
