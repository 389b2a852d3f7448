package io.quiver.operator.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.hnsw.CorruptIndexException;
import io.quiver.index.hnsw.HnswIndex;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GraphSnapshotTest {

    private static final long SEED = 42;

    /** Chunks smaller than the first buffer, and chunks the buffer grows into (64 kB doubling). */
    @ParameterizedTest(name = "{0} points, chunks of {1} bytes")
    @CsvSource({"300, 1000", "10000, 300000"})
    void writesChunksOfTheGivenSizeAndReadsTheSameIndexBack(int n, int chunkBytes)
            throws Exception {
        HnswIndex index = index(n, 8);
        GraphSnapshot snapshot = GraphSnapshot.write(index, 7, chunkBytes);
        SnapshotHeader h = snapshot.header();
        assertThat(h.epoch()).isEqualTo(7);
        assertThat(h.chunkCount()).isEqualTo(snapshot.chunks().size()).isGreaterThan(2);
        long total = 0;
        for (int i = 0; i < h.chunkCount(); i++) {
            byte[] chunk = snapshot.chunks().get(i);
            if (i < h.chunkCount() - 1) {
                assertThat(chunk).hasSize(chunkBytes);
            }
            total += chunk.length;
        }
        assertThat(h.totalBytes()).isEqualTo(total);

        // Live points' vectors are left out: the reader takes them from the index's own copy.
        assertThatThrownBy(() -> GraphSnapshot.read(h, snapshot.chunks(), 1))
                .hasMessageContaining("keeps its vectors outside");
        HnswIndex back =
                GraphSnapshot.read(
                        SnapshotHeader.fromBytes(h.toBytes()),
                        snapshot.chunks(),
                        1,
                        (node, id, dst) -> {
                            float[] v = vectors(n, 8).get(id);
                            if (v == null) {
                                return false;
                            }
                            System.arraycopy(v, 0, dst, 0, v.length);
                            return true;
                        });
        assertThat(back.size()).isEqualTo(index.size());
        float[] q = vector(new Random(SEED + 1), 8);
        SearchHits a = index.search(q, 10, 20, null);
        SearchHits b = back.search(q, 10, 20, null);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.id(i)).isEqualTo(a.id(i));
        }
    }

    @Test
    void aFlippedByteFailsTheChecksum() throws Exception {
        GraphSnapshot snapshot = GraphSnapshot.write(index(100, 4), 1, 500);
        List<byte[]> chunks = new ArrayList<>(snapshot.chunks());
        byte[] bad = chunks.get(1).clone();
        bad[17] ^= 0x40;
        chunks.set(1, bad);
        assertThatThrownBy(() -> GraphSnapshot.read(snapshot.header(), chunks, 1))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("fails its checksum");
    }

    @Test
    void aMissingChunkIsReported() throws Exception {
        GraphSnapshot snapshot = GraphSnapshot.write(index(100, 4), 3, 500);
        List<byte[]> chunks = new ArrayList<>(snapshot.chunks());
        chunks.set(0, null);
        assertThatThrownBy(() -> GraphSnapshot.read(snapshot.header(), chunks, 1))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("lacks chunk 0");
        assertThatThrownBy(
                        () ->
                                GraphSnapshot.read(
                                        snapshot.header(), chunks.subList(1, chunks.size()), 1))
                .isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("its header says");
    }

    @Test
    void headersOfAnotherLayoutVersionAreRejected() {
        SnapshotHeader h = new SnapshotHeader(SnapshotHeader.VERSION, 5, 2, 300, 1234);
        assertThat(SnapshotHeader.fromBytes(h.toBytes())).isEqualTo(h);
        byte[] other = new SnapshotHeader(2, 5, 2, 300, 1234).toBytes();
        assertThatThrownBy(() -> SnapshotHeader.fromBytes(other))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layout version 2 is not supported");
        assertThatThrownBy(() -> SnapshotHeader.fromBytes(new byte[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 3");
    }

    @Test
    void readsAVersionOneHeaderByteForByte() {
        // Layout version 1 as stored in checkpoints: a change here needs a new layout version.
        byte[] stored =
                java.util.HexFormat.of()
                        .parseHex(
                                "51475348" // magic "QGSH"
                                        + "01000000" // layout version 1
                                        + "0900000000000000" // epoch 9
                                        + "03000000" // 3 chunks
                                        + "0000900000000000" // 9,437,184 bytes
                                        + "efbeadde00000000"); // CRC-32 0xdeadbeef
        SnapshotHeader h = SnapshotHeader.fromBytes(stored);
        assertThat(h).isEqualTo(new SnapshotHeader(1, 9, 3, 9_437_184L, 0xdeadbeefL));
        assertThat(h.toBytes()).isEqualTo(stored);
    }

    @Test
    void optionsValidateAndDecideWhenASnapshotIsDue() {
        SnapshotOptions defaults = SnapshotOptions.from(new Configuration());
        assertThat(defaults.everyCheckpoints()).isEqualTo(10);
        assertThat(defaults.maxDeltaShare()).isEqualTo(0.2);
        assertThat(defaults.due(0, 100, 50)).isFalse(); // nothing changed
        assertThat(defaults.due(5, 100, 9)).isFalse();
        assertThat(defaults.due(5, 100, 10)).isTrue();
        assertThat(defaults.due(2_001, 10_000, 1)).isTrue();
        assertThat(defaults.due(1_999, 10_000, 1)).isFalse();
        assertThat(defaults.due(500, 1_000, 1)).isFalse(); // below the share rule's floor

        Configuration bad = new Configuration();
        bad.set(SnapshotOptions.EVERY_CHECKPOINTS, 0);
        assertThatThrownBy(() -> SnapshotOptions.from(bad))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "quiver.snapshot.every-checkpoints must be at least 1, got 0");
        Configuration share = new Configuration();
        share.set(SnapshotOptions.MAX_DELTA_SHARE, -0.5);
        assertThatThrownBy(() -> SnapshotOptions.from(share))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quiver.snapshot.max-delta-share must be a positive");
    }

    private static HnswIndex index(int n, int dim) {
        HnswIndex index = HnswIndex.builder(dim, Metric.L2).seed(SEED).buildThreads(1).build();
        Random random = new Random(SEED);
        for (int i = 0; i < n; i++) {
            index.upsert("p" + i, vector(random, dim));
        }
        index.delete("p3");
        return index;
    }

    /** The vectors {@link #index} inserted, by id. */
    private static java.util.Map<String, float[]> vectors(int n, int dim) {
        java.util.Map<String, float[]> out = new java.util.HashMap<>();
        Random random = new Random(SEED);
        for (int i = 0; i < n; i++) {
            out.put("p" + i, vector(random, dim));
        }
        return out;
    }

    private static float[] vector(Random random, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = random.nextFloat();
        }
        return v;
    }
}
