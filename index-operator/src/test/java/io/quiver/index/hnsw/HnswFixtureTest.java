package io.quiver.index.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HnswFixtureTest {

    /** Points 0..99 on a line in 3-d: the neighbours of x = 37.2 are 37, 38, 36, 39, 35. */
    private static HnswIndex line(Storage storage) {
        HnswIndex index = HnswIndex.builder(3, Metric.L2).storage(storage).m(4).build();
        for (int i = 0; i < 100; i++) {
            index.upsert("p" + i, new float[] {i, 0, 1});
        }
        return index;
    }

    @Test
    void findsTheKnownNeighboursOnALine() {
        SearchHits hits = line(Storage.FLOAT32).search(new float[] {37.2f, 0, 1}, 5, 50, null);
        assertThat(ids(hits)).containsExactly("p37", "p38", "p36", "p39", "p35");
        assertThat(hits.score(0)).isCloseTo(0.2f, org.assertj.core.api.Assertions.within(1e-4f));
        assertThat(hits.score(1)).isCloseTo(0.8f, org.assertj.core.api.Assertions.within(1e-4f));
    }

    @Test
    void int8WithRescoringFindsTheSameNeighbours() {
        HnswIndex index =
                HnswIndex.builder(3, Metric.L2).storage(Storage.INT8).calibrationSample(10).build();
        float[][] points = new float[100][];
        for (int i = 0; i < 100; i++) {
            points[i] = new float[] {i, 0, 1};
            index.upsert("p" + i, points[i]);
        }
        index.rescoreWith(TestVectors.source(points, "p"));
        SearchHits hits = index.search(new float[] {37.2f, 0, 1}, 5, 50, null);
        assertThat(ids(hits)).containsExactly("p37", "p38", "p36", "p39", "p35");
    }

    @Test
    void upsertReplacesAndDeleteRemoves() {
        HnswIndex index = line(Storage.FLOAT32);
        index.upsert("p37", new float[] {1000, 0, 1});
        assertThat(index.delete("p38")).isTrue();
        assertThat(index.delete("p38")).isFalse();
        assertThat(index.size()).isEqualTo(99);
        SearchHits hits = index.search(new float[] {37.2f, 0, 1}, 3, 50, null);
        assertThat(ids(hits)).containsExactly("p36", "p39", "p35");
        assertThat(ids(index.search(new float[] {999, 0, 1}, 1, 10, null))).containsExactly("p37");
    }

    @Test
    void cosineAndDotScoresAreSimilarities() {
        HnswIndex cos = HnswIndex.builder(2, Metric.COSINE).build();
        cos.upsert("x", new float[] {2, 0});
        cos.upsert("y", new float[] {0, 3});
        SearchHits hits = cos.search(new float[] {1, 1}, 2, 10, null);
        assertThat(hits.score(0))
                .isCloseTo((float) Math.sqrt(0.5), org.assertj.core.api.Assertions.within(1e-5f));
        HnswIndex dot = HnswIndex.builder(2, Metric.DOT).build();
        dot.upsert("x", new float[] {2, 0});
        dot.upsert("y", new float[] {0, 3});
        SearchHits d = dot.search(new float[] {1, 1}, 2, 10, null);
        assertThat(ids(d)).containsExactly("y", "x");
        assertThat(d.score(0)).isEqualTo(3f);
    }

    @Test
    void filteredSearchStillReachesKWhenTheFilterIsSelective() {
        HnswIndex index = HnswIndex.builder(16, Metric.L2).withIds(false).build();
        float[][] base = TestVectors.clustered(7, 3000, 16, 10);
        index.addAll(base, null);
        SearchScratch s = index.newScratch();
        int[] nodes = new int[10];
        float[] dist = new float[10];
        // 1 % of the nodes: below the exact-search threshold, estimated on a sample.
        java.util.function.IntPredicate rare = n -> n % 100 == 3;
        int found = index.search(base[5], 10, 50, rare, s, nodes, dist);
        assertThat(found).isEqualTo(10);
        boolean[] live = new boolean[base.length];
        for (int i = 3; i < base.length; i += 100) {
            live[i] = true;
        }
        int[] truth = TestVectors.bruteForce(Metric.L2, base, live, base[5], 10);
        assertThat(java.util.Arrays.copyOf(nodes, found)).containsExactly(truth);
        // Half the nodes: graph search, every result passes the filter.
        found = index.search(base[5], 10, 50, n -> n % 2 == 0, s, nodes, dist);
        assertThat(found).isEqualTo(10);
        for (int i = 0; i < found; i++) {
            assertThat(nodes[i] % 2).isZero();
        }
        // A string-id filter through the VectorIndex API.
        HnswIndex named = line(Storage.FLOAT32);
        SearchHits hits = named.search(new float[] {37.2f, 0, 1}, 2, 20, id -> id.endsWith("5"));
        assertThat(ids(hits)).containsExactly("p35", "p45");
    }

    @Test
    void aWarmSearchAllocatesNothing() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p =
                new ProcessBuilder(
                                java,
                                "--add-modules",
                                "jdk.incubator.vector",
                                "-cp",
                                System.getProperty("java.class.path"),
                                WarmSearchAllocation.class.getName())
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("measuring JVM exit code; output: %s", out).isZero();
        for (int step = 0; step < WarmSearchAllocation.ORDER.length; step++) {
            Storage storage = WarmSearchAllocation.ORDER[step];
            Matcher m = Pattern.compile(step + " " + storage + " (\\d+)").matcher(out);
            assertThat(m.find()).as("%s measured in: %s", storage, out).isTrue();
            // A few hundred bytes of slack for the measurement itself, not per search.
            assertThat(Long.parseLong(m.group(1)))
                    .as(
                            "bytes allocated by 2000 warm %s searches (step %d of %s)",
                            storage, step, out)
                    .isLessThan(1024);
        }
    }

    static String[] ids(SearchHits hits) {
        String[] ids = new String[hits.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = hits.id(i);
        }
        return ids;
    }
}
