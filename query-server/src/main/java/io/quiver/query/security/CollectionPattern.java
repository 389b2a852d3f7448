package io.quiver.query.security;

import java.util.regex.Pattern;

/**
 * A glob over collection names: {@code *} matches any run of characters (also none), {@code ?}
 * exactly one; everything else matches itself. {@code *} alone matches every collection.
 */
public final class CollectionPattern {

    private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_*?-]{1,64}");

    private final String glob;
    private final Pattern regex;

    private CollectionPattern(String glob, Pattern regex) {
        this.glob = glob;
        this.regex = regex;
    }

    /**
     * @throws IllegalArgumentException when {@code glob} holds characters no collection name has
     */
    public static CollectionPattern parse(String glob) {
        if (glob == null || !ALLOWED.matcher(glob).matches()) {
            throw new IllegalArgumentException(
                    "collection pattern '"
                            + glob
                            + "' must be 1 to 64 characters of letters, digits, '_', '-' and the"
                            + " wildcards '*' and '?'");
        }
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '-') {
                re.append("\\-");
            } else {
                re.append(c);
            }
        }
        return new CollectionPattern(glob, Pattern.compile(re.toString()));
    }

    public boolean matches(String collection) {
        return regex.matcher(collection).matches();
    }

    /** The glob as written. */
    @Override
    public String toString() {
        return glob;
    }
}
