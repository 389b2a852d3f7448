package io.quiver.index;

/**
 * How vectors are compared. Inside an index every metric is a distance where smaller is closer;
 * {@link #score(float)} turns it into the score users see, with {@link #higherIsBetter()} telling
 * the order of results.
 *
 * <ul>
 *   <li>{@code L2}: internal distance is the squared Euclidean distance; the score is the Euclidean
 *       distance (lower is better).
 *   <li>{@code COSINE}: vectors are normalized once at insert and queries once per search; the
 *       internal distance is {@code 1 - dot}; the score is the cosine similarity (higher is
 *       better).
 *   <li>{@code DOT}: internal distance is {@code -dot}; the score is the dot product (higher is
 *       better).
 * </ul>
 */
public enum Metric {
    L2,
    COSINE,
    DOT;

    /** The user-facing score of an internal distance. */
    public float score(float distance) {
        switch (this) {
            case L2:
                return (float) Math.sqrt(Math.max(0f, distance));
            case COSINE:
                return 1f - distance;
            default:
                return -distance;
        }
    }

    /** Whether a higher score is a better match (cosine, dot) or a lower one (l2). */
    public boolean higherIsBetter() {
        return this != L2;
    }

    /** Parses {@code l2}, {@code cosine} or {@code dot}, case-insensitively. */
    public static Metric parse(String name) {
        if (name != null) {
            for (Metric m : values()) {
                if (m.name().equalsIgnoreCase(name.trim())) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException(
                "unknown metric '" + name + "': expected one of l2, cosine, dot");
    }
}
