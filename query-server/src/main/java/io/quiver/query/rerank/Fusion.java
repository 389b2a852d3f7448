package io.quiver.query.rerank;

import java.util.Locale;

/**
 * How a lexical score is combined with the vector score.
 *
 * <ul>
 *   <li>{@link #RRF}: reciprocal rank fusion, {@code 1/(k + vectorRank) + 1/(k + lexicalRank)} with
 *       {@code k = }{@value #RRF_K} (ranks from 1; a candidate without any query term has no
 *       lexical rank and only its vector part). Uses ranks only, so it needs no score scaling; a
 *       lexical match can lift a candidate only so far.
 *   <li>{@link #WEIGHTED}: {@code (1 - w) * vector + w * lexical}, each min-max normalised over the
 *       candidates to [0, 1] (the best vector hit is 1 whatever the metric's direction; the best
 *       lexical score is 1, no match is 0).
 * </ul>
 */
public enum Fusion {
    RRF,
    WEIGHTED;

    /** RRF's damping constant, as in the original paper (Cormack et al., 2009). */
    public static final int RRF_K = 60;

    /** Lexical weight of {@link #WEIGHTED} when a search names none. */
    public static final float DEFAULT_WEIGHT = 0.5f;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The fusion called {@code name} on the wire.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Fusion parse(String name) {
        for (Fusion f : values()) {
            if (f.wireName().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("must be 'rrf' or 'weighted', got '" + name + "'");
    }
}
