package io.quiver.query.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.schemas.rpc.ShardResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKMergerTest {

    private static ShardResult shard(int shard, Object... idScore) {
        String[] ids = new String[idScore.length / 2];
        float[] scores = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (String) idScore[2 * i];
            scores[i] = ((Number) idScore[2 * i + 1]).floatValue();
        }
        return new ShardResult(shard, ShardResult.Status.OK, "", null, null, ids, scores, null);
    }

    private static List<String> ids(List<Hit> hits) {
        return hits.stream().map(Hit::id).toList();
    }

    @Test
    void takesTheGlobalTopKAcrossShardsHigherIsBetter() {
        List<Hit> hits =
                new TopKMerger(true)
                        .merge(
                                List.of(
                                        shard(0, "a", 0.9, "b", 0.2),
                                        shard(1, "c", 0.95, "d", 0.5),
                                        shard(2, "e", 0.7)),
                                3,
                                null);
        assertThat(ids(hits)).containsExactly("c", "a", "e");
        assertThat(hits.get(0).shard()).isEqualTo(1);
    }

    @Test
    void l2IsAscending() {
        List<Hit> hits =
                new TopKMerger(false)
                        .merge(List.of(shard(0, "a", 3.0, "b", 0.5), shard(1, "c", 1.0)), 2, null);
        assertThat(ids(hits)).containsExactly("b", "c");
    }

    @Test
    void tiesAreOrderedById() {
        List<Hit> hits =
                new TopKMerger(true)
                        .merge(List.of(shard(0, "z", 1.0, "m", 1.0), shard(1, "a", 1.0)), 2, null);
        assertThat(ids(hits)).containsExactly("a", "m");
    }

    @Test
    void anIdOnTwoShardsIsKeptOnceWithItsBetterScore() {
        List<Hit> hits =
                new TopKMerger(false)
                        .merge(List.of(shard(0, "a", 2.0), shard(1, "a", 1.0, "b", 1.5)), 5, null);
        assertThat(ids(hits)).containsExactly("a", "b");
        assertThat(hits.get(0).score()).isEqualTo(1.0f);
    }

    @Test
    void fewerHitsThanKAreAllReturned() {
        List<Hit> hits = new TopKMerger(true).merge(List.of(shard(0, "a", 0.1)), 10, null);
        assertThat(ids(hits)).containsExactly("a");
        assertThat(new TopKMerger(true).merge(List.of(), 10, null)).isEmpty();
    }

    @Test
    void scoreThresholdFollowsTheMetric() {
        List<ShardResult> results = List.of(shard(0, "a", 0.9, "b", 0.3, "c", 0.5));
        assertThat(ids(new TopKMerger(true).merge(results, 10, 0.5f))).containsExactly("a", "c");
        assertThat(ids(new TopKMerger(false).merge(results, 10, 0.5f))).containsExactly("b", "c");
    }

    @Test
    void equalsSortingEverythingOnRandomInput() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int round = 0; round < 50; round++) {
            boolean higher = random.nextBoolean();
            List<ShardResult> results = new ArrayList<>();
            List<Hit> all = new ArrayList<>();
            for (int s = 0; s < 1 + random.nextInt(8); s++) {
                int n = random.nextInt(30);
                Object[] pairs = new Object[2 * n];
                for (int i = 0; i < n; i++) {
                    String id = "s" + s + "-" + i;
                    float score = random.nextInt(20) / 4f;
                    pairs[2 * i] = id;
                    pairs[2 * i + 1] = score;
                    all.add(new Hit(id, score, null, s));
                }
                results.add(shard(s, pairs));
            }
            int k = 1 + random.nextInt(40);
            all.sort(
                    (x, y) -> {
                        int c = Float.compare(x.score(), y.score());
                        return c != 0 ? (higher ? -c : c) : x.id().compareTo(y.id());
                    });
            List<String> expected = ids(all.subList(0, Math.min(k, all.size())));
            assertThat(ids(new TopKMerger(higher).merge(results, k, null)))
                    .as("seed %d round %d", seed, round)
                    .isEqualTo(expected);
        }
    }
}
