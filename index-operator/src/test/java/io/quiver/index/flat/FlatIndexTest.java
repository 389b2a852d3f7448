package io.quiver.index.flat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.vector.VectorKernels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FlatIndexTest {

    private static final long SEED = 20261125L;

    @ParameterizedTest
    @EnumSource(Metric.class)
    void matchesBruteForceForEveryMetric(Metric metric) {
        Random random = new Random(SEED);
        int dim = 13;
        FlatIndex index = new FlatIndex(dim, metric);
        Map<String, float[]> points = new HashMap<>();
        for (int i = 0; i < 1500; i++) {
            float[] v = random(random, dim);
            points.put("p" + i, v);
            index.upsert("p" + i, v);
        }
        for (int i = 0; i < 300; i += 3) {
            index.delete("p" + i);
            points.remove("p" + i);
        }
        for (int i = 1; i < 300; i += 7) {
            float[] v = random(random, dim);
            points.put("p" + i, v);
            index.upsert("p" + i, v);
        }
        assertThat(index.size()).isEqualTo(points.size());
        for (int q = 0; q < 50; q++) {
            float[] query = random(random, dim);
            SearchHits hits = index.search(query, 10, 0, null);
            List<String> truth = bruteForce(points, query, 10, metric);
            List<String> got = new ArrayList<>();
            for (int i = 0; i < hits.size(); i++) {
                got.add(hits.id(i));
            }
            assertThat(got).as("seed %d query %d", SEED, q).isEqualTo(truth);
            assertThat(hits.score(0))
                    .isCloseTo(score(points.get(truth.get(0)), query, metric), within(1e-4f));
        }
    }

    @Test
    void returnsBestFirstAndAtMostTheLiveCount() {
        FlatIndex index = new FlatIndex(2, Metric.L2);
        index.upsert("far", new float[] {10, 0});
        index.upsert("near", new float[] {1, 0});
        index.upsert("mid", new float[] {3, 0});
        SearchHits hits = index.search(new float[] {0, 0}, 10, 0, null);
        assertThat(hits.size()).isEqualTo(3);
        assertThat(hits.id(0)).isEqualTo("near");
        assertThat(hits.score(0)).isEqualTo(1f);
        assertThat(hits.id(1)).isEqualTo("mid");
        assertThat(hits.id(2)).isEqualTo("far");
        assertThat(hits.score(2)).isEqualTo(10f);
    }

    @Test
    void deleteMovesTheLastSlotAndKeepsEveryOtherPointFindable() {
        FlatIndex index = new FlatIndex(1, Metric.L2);
        for (int i = 0; i < 5; i++) {
            index.upsert("p" + i, new float[] {i});
        }
        assertThat(index.delete("p1")).isTrue();
        assertThat(index.delete("p1")).isFalse();
        assertThat(index.size()).isEqualTo(4);
        for (int i : new int[] {0, 2, 3, 4}) {
            SearchHits hits = index.search(new float[] {i}, 1, 0, null);
            assertThat(hits.id(0)).isEqualTo("p" + i);
            assertThat(hits.score(0)).isZero();
        }
        assertThat(index.contains("p4")).isTrue();
        assertThat(index.contains("p1")).isFalse();
    }

    @Test
    void upsertReplacesTheVectorOfAnExistingId() {
        FlatIndex index = new FlatIndex(2, Metric.DOT);
        index.upsert("a", new float[] {1, 0});
        index.upsert("a", new float[] {0, 2});
        assertThat(index.size()).isEqualTo(1);
        SearchHits hits = index.search(new float[] {0, 1}, 1, 0, null);
        assertThat(hits.score(0)).isEqualTo(2f);
    }

    @Test
    void cosineNormalizesStoredVectorsAndQueries() {
        FlatIndex index = new FlatIndex(2, Metric.COSINE);
        index.upsert("x", new float[] {100, 0});
        index.upsert("diagonal", new float[] {1, 1});
        SearchHits hits = index.search(new float[] {0.001f, 0}, 2, 0, null);
        assertThat(hits.id(0)).isEqualTo("x");
        assertThat(hits.score(0)).isCloseTo(1f, within(1e-6f));
        assertThat(hits.score(1)).isCloseTo((float) Math.sqrt(0.5), within(1e-6f));
    }

    @Test
    void filterSkipsRejectedIds() {
        FlatIndex index = new FlatIndex(1, Metric.L2);
        for (int i = 0; i < 10; i++) {
            index.upsert("p" + i, new float[] {i});
        }
        SearchHits hits = index.search(new float[] {0}, 3, 0, id -> !id.equals("p0"));
        assertThat(hits.id(0)).isEqualTo("p1");
        assertThat(hits.size()).isEqualTo(3);
    }

    @Test
    void growsPastOneChunk() {
        FlatIndex index = new FlatIndex(3, Metric.L2, VectorKernels.scalar());
        long empty = index.ramBytesUsed();
        for (int i = 0; i < FlatIndex.GROWTH_CHUNK * 3 + 5; i++) {
            index.upsert("p" + i, new float[] {i, i, i});
        }
        assertThat(index.size()).isEqualTo(FlatIndex.GROWTH_CHUNK * 3 + 5);
        assertThat(index.search(new float[] {7, 7, 7}, 1, 0, null).id(0)).isEqualTo("p7");
        assertThat(index.ramBytesUsed()).isGreaterThan(empty + 4L * 3 * index.size());
    }

    @Test
    void refusesWrongDimensionsAndBadArguments() {
        FlatIndex index = new FlatIndex(4, Metric.L2);
        assertThatThrownBy(() -> index.upsert("a", new float[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vector has 3 dimensions, the index expects 4");
        assertThatThrownBy(() -> index.search(new float[5], 1, 0, null))
                .hasMessageContaining("query has 5 dimensions");
        assertThatThrownBy(() -> index.search(new float[4], 0, 0, null))
                .hasMessageContaining("k must be >= 1");
        assertThatThrownBy(() -> new FlatIndex(0, Metric.L2))
                .hasMessageContaining("dimension must be >= 1, got 0");
    }

    /**
     * One writer upserts and deletes while searchers run: every search must see a consistent index
     * (hits sorted, no duplicates, every id one that was written) and never an id whose delete
     * finished before the search began.
     */
    @Test
    void searchersRunSafelyBesideOneWriter() throws Exception {
        int dim = 16;
        FlatIndex index = new FlatIndex(dim, Metric.L2);
        Random seedRandom = new Random(SEED);
        for (int i = 0; i < 2000; i++) {
            index.upsert("p" + i, random(seedRandom, dim));
        }
        Set<String> deleted = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(4);
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            Future<?> writer =
                    pool.submit(
                            () -> {
                                Random r = new Random(SEED + 1);
                                for (int round = 0; round < 20_000; round++) {
                                    int i = r.nextInt(4000);
                                    if (i < 1000) {
                                        String id = "p" + i;
                                        index.delete(id);
                                        deleted.add(id);
                                    } else {
                                        index.upsert("q" + i, random(r, dim));
                                    }
                                }
                                stop.set(true);
                            });
            List<Future<Integer>> searchers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final int seed = t;
                searchers.add(
                        pool.submit(
                                () -> {
                                    Random r = new Random(SEED + 10 + seed);
                                    started.countDown();
                                    int searches = 0;
                                    while (!stop.get() || searches < 50) {
                                        Set<String> goneBefore = Set.copyOf(deleted);
                                        SearchHits hits = index.search(random(r, dim), 20, 0, null);
                                        Set<String> seen = new java.util.HashSet<>();
                                        for (int i = 0; i < hits.size(); i++) {
                                            assertThat(seen.add(hits.id(i))).isTrue();
                                            assertThat(goneBefore).doesNotContain(hits.id(i));
                                            if (i > 0) {
                                                assertThat(hits.score(i))
                                                        .isGreaterThanOrEqualTo(hits.score(i - 1));
                                            }
                                        }
                                        searches++;
                                    }
                                    return searches;
                                }));
            }
            writer.get(60, TimeUnit.SECONDS);
            for (Future<Integer> s : searchers) {
                assertThat(s.get(60, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(50);
            }
        } finally {
            pool.shutdownNow();
        }
        for (String id : deleted) {
            assertThat(index.contains(id)).isFalse();
        }
    }

    private static float[] random(Random random, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static List<String> bruteForce(
            Map<String, float[]> points, float[] q, int k, Metric metric) {
        List<Map.Entry<String, float[]>> all = new ArrayList<>(points.entrySet());
        Comparator<Map.Entry<String, float[]>> byScore =
                Comparator.comparingDouble(e -> score(e.getValue(), q, metric));
        all.sort(metric.higherIsBetter() ? byScore.reversed() : byScore);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            out.add(all.get(i).getKey());
        }
        return out;
    }

    private static float score(float[] a, float[] b, Metric metric) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        double l2 = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
            l2 += (double) (a[i] - b[i]) * (a[i] - b[i]);
        }
        switch (metric) {
            case L2:
                return (float) Math.sqrt(l2);
            case COSINE:
                return (float) (dot / Math.sqrt(na * nb));
            default:
                return (float) dot;
        }
    }
}
