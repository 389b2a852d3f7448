package io.quiver.index.hnsw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HnswSerializationTest {

    private static final String FIXTURE = "hnsw-v1-cosine-float32.bin";
    private static final String FIXTURE_INT8 = "hnsw-v1-l2-int8.bin";

    @ParameterizedTest
    @EnumSource(Storage.class)
    void roundTripGivesIdenticalResults(Storage storage) throws IOException {
        float[][] vectors = TestVectors.clustered(3, 2000, 20, 10);
        HnswIndex index =
                HnswIndex.builder(20, Metric.COSINE)
                        .storage(storage)
                        .efConstruction(60)
                        .calibrationSample(300)
                        .build();
        for (int i = 0; i < vectors.length; i++) {
            index.upsert("id-" + i, vectors[i]);
        }
        for (int i = 0; i < vectors.length; i += 7) {
            index.delete("id-" + i);
        }
        HnswIndex copy = HnswIndex.readFrom(new ByteArrayInputStream(bytes(index)), 2);
        assertThat(copy.vectorSource()).as("a source is not part of the snapshot").isNull();
        index.rescoreWith(TestVectors.source(vectors, "id-"));
        copy.rescoreWith(TestVectors.source(vectors, "id-"));

        assertThat(copy.size()).isEqualTo(index.size());
        assertThat(copy.storage()).isEqualTo(storage);
        assertThat(copy.ramBytesUsed()).isLessThanOrEqualTo(index.ramBytesUsed());
        for (int q = 0; q < 50; q++) {
            SearchHits a = index.search(vectors[q * 13], 10, 40, null);
            SearchHits b = copy.search(vectors[q * 13], 10, 40, null);
            assertThat(HnswFixtureTest.ids(b)).containsExactly(HnswFixtureTest.ids(a));
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.score(i)).isEqualTo(a.score(i));
            }
        }
        // The copy keeps working as an index.
        copy.upsert("new", vectors[0]);
        assertThat(copy.search(vectors[0], 1, 10, null).id(0)).isIn("new", "id-0");
    }

    @Test
    void aFormatVersion1FixtureReadsBack() throws IOException {
        HnswIndex index;
        try (InputStream in = getClass().getResourceAsStream(FIXTURE)) {
            assertThat(in).as(FIXTURE + " on the test class path").isNotNull();
            index = HnswIndex.readFrom(in, 1);
        }
        float[][] vectors = fixtureVectors();
        boolean[] live = fixtureLive();
        assertThat(index.dimension()).isEqualTo(6);
        assertThat(index.metric()).isEqualTo(Metric.COSINE);
        assertThat(index.size()).isEqualTo(38);
        for (int q = 0; q < vectors.length; q += 5) {
            SearchHits hits = index.search(vectors[q], 5, 40, null);
            int[] truth = TestVectors.bruteForce(Metric.COSINE, vectors, live, vectors[q], 5);
            String[] expected = Arrays.stream(truth).mapToObj(i -> "v" + i).toArray(String[]::new);
            assertThat(HnswFixtureTest.ids(hits)).containsExactly(expected);
        }

        try (InputStream in = getClass().getResourceAsStream(FIXTURE_INT8)) {
            assertThat(in).as(FIXTURE_INT8 + " on the test class path").isNotNull();
            index = HnswIndex.readFrom(in, 1);
        }
        assertThat(index.storage()).isEqualTo(Storage.INT8);
        assertThat(index.quantizer()).isNotNull();
        index.rescoreWith(TestVectors.source(vectors));
        SearchScratch s = index.newScratch();
        int[] nodes = new int[3];
        float[] dist = new float[3];
        int found = index.search(vectors[10], 3, 40, null, s, nodes, dist);
        assertThat(Arrays.copyOf(nodes, found))
                .containsExactly(TestVectors.bruteForce(Metric.L2, vectors, null, vectors[10], 3));
    }

    @Test
    void anInt8SnapshotHoldsCodesAndGraphButNoFloatCopy() throws IOException {
        int n = 1000;
        int dim = 64;
        float[][] vectors = TestVectors.clustered(17, n, dim, 8);
        HnswIndex int8 =
                HnswIndex.builder(dim, Metric.L2)
                        .storage(Storage.INT8)
                        .efConstruction(60)
                        .withIds(false)
                        .build();
        int8.addAll(vectors, null);
        byte[] written = bytes(int8);
        // Codes alone are n * dim bytes; a float copy would add 4 * n * dim more.
        assertThat((long) written.length).isLessThan(2L * n * dim);

        HnswIndex back = HnswIndex.readFrom(new ByteArrayInputStream(written), 1);
        back.rescoreWith(TestVectors.source(vectors));
        int8.rescoreWith(TestVectors.source(vectors));
        SearchScratch s = back.newScratch();
        int[] a = new int[10];
        int[] b = new int[10];
        float[] da = new float[10];
        float[] db = new float[10];
        for (int q = 0; q < n; q += 37) {
            int fa = int8.search(vectors[q], 10, 40, null, s, a, da);
            int fb = back.search(vectors[q], 10, 40, null, s, b, db);
            assertThat(Arrays.copyOf(b, fb)).containsExactly(Arrays.copyOf(a, fa));
            assertThat(Arrays.copyOf(db, fb)).containsExactly(Arrays.copyOf(da, fa));
            for (int j = 0; j < fb; j++) {
                float exact = TestVectors.distance(Metric.L2, vectors[q], vectors[b[j]]);
                assertThat(db[j]).as("rescored distance").isCloseTo(exact, within(1e-3f * exact));
            }
        }
    }

    @Test
    void aFormatVersion1Int8FixtureWithAFloatCopyReadsBackWithoutIt() throws IOException {
        byte[] fixture;
        try (InputStream in = getClass().getResourceAsStream(FIXTURE_INT8)) {
            fixture = in.readAllBytes();
        }
        HnswIndex index = HnswIndex.readFrom(new ByteArrayInputStream(fixture), 1);
        byte[] again = bytes(index);
        // 40 vectors of 6 floats: the copy older builds wrote is dropped on reading.
        assertThat(again.length).isEqualTo(fixture.length - 40 * 6 * 4);
        HnswIndex reread = HnswIndex.readFrom(new ByteArrayInputStream(again), 1);
        float[][] vectors = fixtureVectors();
        reread.rescoreWith(TestVectors.source(vectors));
        int[] nodes = new int[3];
        float[] dist = new float[3];
        int found = reread.search(vectors[10], 3, 40, null, reread.newScratch(), nodes, dist);
        assertThat(Arrays.copyOf(nodes, found))
                .containsExactly(TestVectors.bruteForce(Metric.L2, vectors, null, vectors[10], 3));
    }

    @Test
    void flippedBytesFailWithAClearMessage() throws IOException {
        byte[] good = bytes(small());
        for (int pos = 0; pos < good.length; pos += pos < 80 ? 1 : 37) {
            byte[] bad = good.clone();
            bad[pos] ^= (byte) 0x10;
            final int at = pos;
            assertThatThrownBy(() -> HnswIndex.readFrom(new ByteArrayInputStream(bad), 1))
                    .as("byte %d of %d flipped", at, good.length)
                    .isInstanceOf(CorruptIndexException.class)
                    .hasMessageMatching(
                            "(?s).*(checksum mismatch|truncated|corrupt index snapshot|not an HNSW"
                                    + " index snapshot|unsupported index snapshot format).*");
        }
    }

    @Test
    void truncatedBytesFailWithAClearMessage() throws IOException {
        byte[] good = bytes(small());
        for (int len = 0; len < good.length; len += len < 80 ? 1 : 53) {
            byte[] cut = Arrays.copyOf(good, len);
            final int at = len;
            assertThatThrownBy(() -> HnswIndex.readFrom(new ByteArrayInputStream(cut), 1))
                    .as("first %d of %d bytes", at, good.length)
                    .isInstanceOf(CorruptIndexException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Metric.class,
            names = {"COSINE", "L2"})
    void aGraphWrittenWithoutItsVectorsReadsBackTheSameWithThemFromASource(Metric metric)
            throws IOException {
        float[][] vectors = TestVectors.clustered(5, 1500, 24, 8);
        HnswIndex index = HnswIndex.builder(24, metric).efConstruction(60).build();
        Map<String, float[]> live = new HashMap<>();
        for (int i = 0; i < vectors.length; i++) {
            index.upsert("id-" + i, vectors[i]);
            live.put("id-" + i, vectors[i]);
        }
        for (int i = 0; i < vectors.length; i += 6) {
            index.delete("id-" + i);
            live.remove("id-" + i);
        }
        for (int i = 1; i < vectors.length; i += 10) { // replaced: the old node is a tombstone
            index.upsert("id-" + i, vectors[(i + 500) % vectors.length]);
            live.put("id-" + i, vectors[(i + 500) % vectors.length]);
        }
        byte[] whole = bytes(index);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        index.writeGraphTo(out);
        byte[] graph = out.toByteArray();
        assertThat(whole.length - graph.length).as("bytes saved").isEqualTo(4L * 24 * index.size());

        VectorSource source =
                (node, id, dst) -> {
                    float[] v = live.get(id);
                    if (v == null) {
                        return false;
                    }
                    System.arraycopy(v, 0, dst, 0, v.length);
                    return true;
                };
        assertThatThrownBy(() -> HnswIndex.readFrom(new ByteArrayInputStream(graph), 1))
                .hasMessageContaining("keeps its vectors outside");
        HnswIndex a = HnswIndex.readFrom(new ByteArrayInputStream(whole), 1);
        HnswIndex b = HnswIndex.readFrom(new ByteArrayInputStream(graph), 1, source);
        assertThat(b.size()).isEqualTo(a.size()).isEqualTo(live.size());
        for (int q = 0; q < 40; q++) {
            SearchHits x = a.search(vectors[q * 31], 10, 40, null);
            SearchHits y = b.search(vectors[q * 31], 10, 40, null);
            assertThat(HnswFixtureTest.ids(y)).containsExactly(HnswFixtureTest.ids(x));
            for (int i = 0; i < x.size(); i++) {
                assertThat(y.score(i)).isEqualTo(x.score(i));
            }
        }

        // A point the source no longer has was deleted since: it is read as a tombstone.
        live.remove("id-7");
        HnswIndex c = HnswIndex.readFrom(new ByteArrayInputStream(graph), 1, source);
        assertThat(c.size()).isEqualTo(a.size() - 1);
        assertThat(HnswFixtureTest.ids(c.search(vectors[7], 5, 40, null))).doesNotContain("id-7");
        assertThat(c.delete("id-7")).isFalse();
    }

    private static HnswIndex small() {
        HnswIndex index = HnswIndex.builder(8, Metric.L2).m(4).build();
        float[][] v = TestVectors.clustered(11, 200, 8, 5);
        for (int i = 0; i < v.length; i++) {
            index.upsert("s" + i, v[i]);
        }
        index.delete("s3");
        return index;
    }

    private static byte[] bytes(HnswIndex index) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        index.writeTo(out);
        return out.toByteArray();
    }

    /** The fixture's vectors, defined by a formula so the test does not depend on a generator. */
    static float[][] fixtureVectors() {
        float[][] v = new float[40][6];
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < 6; j++) {
                v[i][j] = (float) Math.sin(i * 7 + j * 3 + 1) + (j == i % 6 ? 1.5f : 0f);
            }
        }
        return v;
    }

    static boolean[] fixtureLive() {
        boolean[] live = new boolean[40];
        Arrays.fill(live, true);
        live[3] = false;
        live[17] = false;
        return live;
    }

    /**
     * Writes the fixtures again (only when the format version changes: old fixtures stay to prove
     * old snapshots still read): {@code
     * -Dquiver.fixtures.write=src/test/resources/io/quiver/index/hnsw}.
     */
    @Test
    void writeFixturesWhenAsked() throws IOException {
        String dir = System.getProperty("quiver.fixtures.write");
        if (dir == null) {
            return;
        }
        float[][] v = fixtureVectors();
        HnswIndex cosine = HnswIndex.builder(6, Metric.COSINE).m(4).efConstruction(32).build();
        for (int i = 0; i < v.length; i++) {
            cosine.upsert("v" + i, v[i]);
        }
        cosine.delete("v3");
        cosine.delete("v17");
        Files.write(Path.of(dir, FIXTURE), bytes(cosine));
        HnswIndex int8 =
                HnswIndex.builder(6, Metric.L2)
                        .m(4)
                        .efConstruction(32)
                        .storage(Storage.INT8)
                        .withIds(false)
                        .build();
        int8.addAll(v, null);
        Files.write(Path.of(dir, FIXTURE_INT8), bytes(int8));
    }
}
