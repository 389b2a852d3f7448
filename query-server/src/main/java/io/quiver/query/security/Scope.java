package io.quiver.query.security;

import java.util.Locale;

/**
 * What an API key may do in a collection. Scopes do not imply each other: a key that should read
 * and write lists both.
 */
public enum Scope {
    /** Search, batch search, count, read points, list and describe collections. */
    READ,
    /** Upsert and delete points. */
    WRITE,
    /** Create and delete collections; with any collection pattern, scrape {@code /metrics}. */
    ADMIN;

    /**
     * The name used in key files and error messages: {@code read}, {@code write}, {@code admin}.
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws IllegalArgumentException naming the bad value
     */
    public static Scope parse(String value) {
        for (Scope s : values()) {
            if (s.label().equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException(
                "unknown scope '" + value + "'; scopes are read, write and admin");
    }
}
