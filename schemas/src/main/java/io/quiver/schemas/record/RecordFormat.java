package io.quiver.schemas.record;

import java.util.Locale;

/** How records on the upserts topic are encoded. */
public enum RecordFormat {
    /**
     * Avro single-object encoding when the bytes start with its marker {@code C3 01}, else JSON.
     */
    AUTO,
    JSON,
    /** Avro single-object encoding: marker, 8-byte schema fingerprint, binary datum. */
    AVRO;

    public static RecordFormat parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "unknown record format '" + name + "': expected auto, json or avro");
        }
    }
}
