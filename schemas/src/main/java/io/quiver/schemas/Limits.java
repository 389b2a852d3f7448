package io.quiver.schemas;

import java.util.regex.Pattern;

/**
 * The limits every part of Quiver enforces on data, in one place so the query server rejects over
 * HTTP exactly what the job would send to the dead-letter topic.
 */
public final class Limits {

    /** Longest point id, in UTF-8 bytes. */
    public static final int MAX_ID_BYTES = 512;

    /** Largest payload, in UTF-8 bytes of its JSON text. */
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    /** Largest vector dimension a collection may declare. */
    public static final int MAX_DIMENSION = 4096;

    /** Collection names: letters, digits, '_' and '-', 1 to 64 characters. */
    public static final String COLLECTION_NAME_PATTERN = "[A-Za-z0-9_-]{1,64}";

    /** Largest k (Qdrant's {@code limit}) a search may ask for. */
    public static final int MAX_SEARCH_LIMIT = 1000;

    /**
     * Deepest nesting of filter clauses: the filter itself is level 1, a filter used as a condition
     * inside it level 2, and so on. Real filters rarely need more than 3; the bound keeps a hostile
     * request from exhausting the stack of the parser or of the shard evaluating it.
     */
    public static final int MAX_FILTER_DEPTH = 5;

    /** Most conditions (matches, ranges and nested filters) one filter may hold in total. */
    public static final int MAX_FILTER_CONDITIONS = 256;

    /** Longest payload key a filter condition may name, in UTF-8 bytes. */
    public static final int MAX_FILTER_KEY_BYTES = 256;

    /** Compiled once: every request naming a collection is checked against it. */
    private static final Pattern COLLECTION_NAME = Pattern.compile(COLLECTION_NAME_PATTERN);

    private Limits() {}

    /** Throws {@link IllegalArgumentException} naming the problem when {@code name} is invalid. */
    public static void checkCollectionName(String name) {
        if (name == null || !COLLECTION_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "collection name '"
                            + name
                            + "' must be 1 to 64 characters of letters, digits, '_' or '-'");
        }
    }
}
