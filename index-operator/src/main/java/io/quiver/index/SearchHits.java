package io.quiver.index;

/**
 * The best {@code size()} matches of one search, best first, with user-facing scores (see {@link
 * Metric#score(float)}).
 */
public final class SearchHits {

    private final String[] ids;
    private final float[] scores;

    public SearchHits(String[] ids, float[] scores) {
        if (ids.length != scores.length) {
            throw new IllegalArgumentException(
                    ids.length + " ids but " + scores.length + " scores");
        }
        this.ids = ids;
        this.scores = scores;
    }

    public int size() {
        return ids.length;
    }

    public String id(int i) {
        return ids[i];
    }

    public float score(int i) {
        return scores[i];
    }
}
