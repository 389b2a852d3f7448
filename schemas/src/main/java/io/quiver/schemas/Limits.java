package io.quiver.schemas;

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

    private Limits() {}

    /** Throws {@link IllegalArgumentException} naming the problem when {@code name} is invalid. */
    public static void checkCollectionName(String name) {
        if (name == null || !isCollectionName(name)) {
            throw new IllegalArgumentException(
                    "collection name '"
                            + name
                            + "' must be 1 to 64 characters of letters, digits, '_' or '-'");
        }
    }

    /**
     * {@link #COLLECTION_NAME_PATTERN}, spelled out: every request naming a collection is checked,
     * and the regex cost about a microsecond each time.
     */
    private static boolean isCollectionName(String name) {
        int n = name.length();
        if (n < 1 || n > 64) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            boolean ok =
                    (c >= 'a' && c <= 'z')
                            || (c >= 'A' && c <= 'Z')
                            || (c >= '0' && c <= '9')
                            || c == '_'
                            || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
