package io.quiver.index.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.Metric;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HnswInt8RescoringTest {

    private static final long SEED = Long.getLong("quiver.test.seed", 20261125L);
    private static final int N = 4000;
    private static final int DIM = 48;
    private static final int QUERIES = 300;
    private static final int K = 10;

    @ParameterizedTest
    @EnumSource(Metric.class)
    void int8RescoredFromASourceIsWithinOneHundredthOfFloat32AtTheSameEf(Metric metric) {
        float[][] base = TestVectors.clustered(SEED, N, DIM, 40);
        float[][] queries = TestVectors.clustered(SEED + 1, QUERIES, DIM, 40);
        int[][] truth = new int[QUERIES][];
        for (int q = 0; q < QUERIES; q++) {
            truth[q] = TestVectors.bruteForce(metric, base, null, queries[q], K);
        }
        HnswIndex float32 = build(metric, Storage.FLOAT32, base);
        HnswIndex int8 = build(metric, Storage.INT8, base);
        int8.rescoreWith(TestVectors.source(base));
        // From ef = 2k: at ef = k rescoring can only reorder the k candidates the int8 graph found.
        for (int ef : new int[] {20, 40, 100}) {
            double f = recall(float32, queries, truth, ef);
            double i = recall(int8, queries, truth, ef);
            assertThat(i)
                    .as(
                            "int8 recall@%d at ef %d against float32 %.4f, %s, seed %d",
                            K, ef, f, metric, SEED)
                    .isGreaterThanOrEqualTo(f - 0.01);
        }
    }

    @Test
    void withoutASourceInt8ReturnsApproximateDistancesAndWithOneExactOnes() {
        float[][] base = TestVectors.clustered(SEED, 1000, DIM, 10);
        HnswIndex int8 = build(Metric.L2, Storage.INT8, base);
        int[] nodes = new int[K];
        float[] approximate = new float[K];
        float[] exact = new float[K];
        SearchScratch s = int8.newScratch();
        float[] q = base[123];
        int found = int8.search(q, K, 50, null, s, nodes, approximate);
        assertThat(found).isEqualTo(K);

        int8.rescoreWith(TestVectors.source(base));
        found = int8.search(q, K, 50, null, s, nodes, exact);
        assertThat(nodes[0]).isEqualTo(123);
        for (int j = 0; j < found; j++) {
            float d = TestVectors.distance(Metric.L2, q, base[nodes[j]]);
            assertThat(exact[j]).isCloseTo(d, org.assertj.core.api.Assertions.within(1e-3f));
        }
        assertThat(approximate).isNotEqualTo(exact);
    }

    @Test
    void int8MemoryCountsGraphAndCodesButNoFloatCopy() {
        int n = 3000;
        int dim = 256;
        float[][] base = TestVectors.clustered(SEED, n, dim, 10);
        HnswIndex float32 = build(Metric.L2, Storage.FLOAT32, base);
        HnswIndex int8 = build(Metric.L2, Storage.INT8, base);
        int8.rescoreWith(TestVectors.source(base));

        long floats = 4L * n * dim;
        assertThat(float32.ramBytesUsed()).isGreaterThan(floats);
        assertThat(int8.ramBytesUsed())
                .as("int8 holds codes (%d bytes) and graph, no float copy", (long) n * dim)
                .isLessThan(floats / 2)
                .isGreaterThan((long) n * dim);
        assertThat((double) int8.ramBytesUsed() / float32.ramBytesUsed()).isLessThan(0.4);

        // A compact copy and a rebuild keep the layout and the source.
        HnswIndex copy = int8.compactCopy();
        assertThat(copy.vectorSource()).isSameAs(int8.vectorSource());
        assertThat(copy.ramBytesUsed()).isLessThan(floats / 2);
        int8.rebuild();
        assertThat(int8.ramBytesUsed()).isLessThan(floats / 2);
        int[] nodes = new int[1];
        float[] d = new float[1];
        copy.search(base[7], 1, 20, null, copy.newScratch(), nodes, d);
        assertThat(nodes[0]).isEqualTo(7);
        assertThat(d[0]).isZero();
    }

    private static HnswIndex build(Metric metric, Storage storage, float[][] base) {
        HnswIndex index =
                HnswIndex.builder(base[0].length, metric)
                        .storage(storage)
                        .efConstruction(100)
                        // One thread: the same graph on every run.
                        .buildThreads(1)
                        .withIds(false)
                        .seed(SEED)
                        .build();
        index.addAll(base, null);
        return index;
    }

    private static double recall(HnswIndex index, float[][] queries, int[][] truth, int ef) {
        SearchScratch s = index.newScratch();
        int[] nodes = new int[K];
        float[] distances = new float[K];
        long hits = 0;
        for (int q = 0; q < queries.length; q++) {
            int found = index.search(queries[q], K, ef, null, s, nodes, distances);
            hits += TestVectors.overlap(truth[q], nodes, found);
        }
        return hits / (double) (queries.length * K);
    }
}
