package io.quiver.query.search;

import java.util.List;

/**
 * The answer of {@link PointReader#count}.
 *
 * @param count the sum over the shards that answered
 * @param answeredShards how many shards answered
 * @param missingShards the shards whose points are not counted, ascending; non-empty means the
 *     count is not exact
 */
public record CountOutcome(long count, int answeredShards, List<Integer> missingShards) {

    public CountOutcome {
        missingShards = List.copyOf(missingShards);
    }

    public boolean exact() {
        return missingShards.isEmpty();
    }
}
