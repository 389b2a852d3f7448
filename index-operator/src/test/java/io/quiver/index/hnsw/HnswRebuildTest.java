package io.quiver.index.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HnswRebuildTest {

    private static final long SEED = Long.getLong("quiver.test.seed", 7L);

    @Test
    void rebuildAfterThirtyPercentDeletesAnswersLikeAFreshBuildOfTheSurvivors() {
        int n = 3000;
        int dim = 16;
        float[][] vectors = TestVectors.clustered(SEED, n, dim, 20);
        HnswIndex index = builder(dim).build();
        for (int i = 0; i < n; i++) {
            index.upsert("v" + i, vectors[i]);
        }
        boolean[] deleted = new boolean[n];
        SplittableRandom random = new SplittableRandom(SEED);
        int deletes = 0;
        while (deletes < n * 3 / 10) {
            int victim = random.nextInt(n);
            if (!deleted[victim]) {
                assertThat(index.delete("v" + victim)).isTrue();
                deleted[victim] = true;
                deletes++;
            }
        }
        assertThat(index.deletedFraction())
                .isCloseTo(0.3, org.assertj.core.api.Assertions.within(0.001));
        long before = index.ramBytesUsed();

        HnswIndex background = index.compactCopy();
        index.rebuild();

        assertThat(index.deletedFraction()).isZero();
        assertThat(index.size()).isEqualTo(n - deletes);
        assertThat(index.nodeCount()).isEqualTo(n - deletes);
        assertThat(index.ramBytesUsed()).isLessThan(before);

        HnswIndex fresh = builder(dim).build();
        for (int i = 0; i < n; i++) {
            if (!deleted[i]) {
                fresh.upsert("v" + i, vectors[i]);
            }
        }
        float[][] queries = TestVectors.clustered(SEED + 1, 100, dim, 20);
        for (float[] q : queries) {
            SearchHits a = index.search(q, 10, 50, null);
            SearchHits b = fresh.search(q, 10, 50, null);
            assertThat(HnswFixtureTest.ids(a))
                    .as("seed %d", SEED)
                    .containsExactly(HnswFixtureTest.ids(b));
            for (int i = 0; i < a.size(); i++) {
                assertThat(a.score(i)).isEqualTo(b.score(i));
                assertThat(deleted[Integer.parseInt(a.id(i).substring(1))]).isFalse();
            }
        }
    }

    private static HnswIndex.Builder builder(int dim) {
        // One build thread: parallel builds are not deterministic.
        return HnswIndex.builder(dim, Metric.L2).efConstruction(80).buildThreads(1).seed(SEED);
    }
}
