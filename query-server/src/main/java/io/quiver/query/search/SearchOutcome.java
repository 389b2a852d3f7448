package io.quiver.query.search;

import java.util.List;

/**
 * The merged answer of a fan-out.
 *
 * @param hits the global top-k, best first
 * @param answeredShards how many shards answered in full
 * @param missingShards the shards whose hits are not included (not located, recovering, timed out,
 *     failed), in ascending order; non-empty means the answer is partial
 */
public record SearchOutcome(List<Hit> hits, int answeredShards, List<Integer> missingShards) {

    public SearchOutcome {
        hits = List.copyOf(hits);
        missingShards = List.copyOf(missingShards);
    }

    public boolean partial() {
        return !missingShards.isEmpty();
    }
}
