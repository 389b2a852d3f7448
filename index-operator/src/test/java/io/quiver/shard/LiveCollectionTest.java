package io.quiver.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.index.hnsw.Storage;
import io.quiver.operator.snapshot.GraphSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LiveCollectionTest {

    private static final int DIM = 64;
    private static final int N = 1500;

    @ParameterizedTest
    @EnumSource(Metric.class)
    void anInt8IndexRescoresFromTheVectorsTheCollectionKeeps(Metric metric) {
        HnswIndex index =
                HnswIndex.builder(DIM, metric)
                        .storage(Storage.INT8)
                        .calibrationSample(200)
                        .efConstruction(64)
                        .build();
        LiveCollection docs =
                new LiveCollection("docs", "{}".getBytes(StandardCharsets.UTF_8), 64, index);
        assertThat(index.vectorSource()).as("attached by the collection").isNotNull();
        float[][] vectors = random(N, 7);
        for (int i = 0; i < N; i++) {
            docs.upsert("p" + i, vectors[i], null);
        }
        docs.delete("p5");

        float[][] queries = random(50, 8);
        for (float[] q : queries) {
            SearchHits hits = index.search(q, 10, 64, null);
            assertThat(hits.size()).isEqualTo(10);
            for (int j = 0; j < hits.size(); j++) {
                float exact = ExactScores.score(metric, q, docs.vector(hits.id(j)));
                assertThat(hits.score(j))
                        .as("%s score of %s: the float32 vector as written", metric, hits.id(j))
                        .isCloseTo(exact, within(1e-3f * Math.max(1f, Math.abs(exact))));
            }
        }

        // One float32 copy per point, the collection's: the index holds a byte per component
        // where a float32 index of the same points holds four.
        HnswIndex float32 =
                HnswIndex.builder(DIM, metric).storage(Storage.FLOAT32).efConstruction(64).build();
        LiveCollection plain =
                new LiveCollection("plain", "{}".getBytes(StandardCharsets.UTF_8), 64, float32);
        for (int i = 0; i < N; i++) {
            plain.upsert("p" + i, vectors[i], null);
        }
        plain.delete("p5");
        assertThat(float32.ramBytesUsed() - index.ramBytesUsed())
                .isGreaterThanOrEqualTo(3L * N * DIM - 8L * N);
        assertThat(plain.ramBytesUsed() - float32.ramBytesUsed())
                .isEqualTo(docs.ramBytesUsed() - index.ramBytesUsed());
    }

    @Test
    void anInt8IndexLoadedFromAGraphSnapshotRescoresFromTheRestoredPoints() throws Exception {
        HnswIndex index =
                HnswIndex.builder(DIM, Metric.L2)
                        .storage(Storage.INT8)
                        .calibrationSample(200)
                        .efConstruction(64)
                        .build();
        LiveCollection before =
                new LiveCollection("docs", "{}".getBytes(StandardCharsets.UTF_8), 64, index);
        float[][] vectors = random(600, 9);
        for (int i = 0; i < vectors.length; i++) {
            before.upsert("p" + i, vectors[i], null);
        }
        // As a restore does: the snapshot's index, then the points from the records.
        GraphSnapshot snapshot = GraphSnapshot.write(index, 1, 1 << 16);
        HnswIndex loaded = GraphSnapshot.read(snapshot.header(), snapshot.chunks(), 1);
        LiveCollection after =
                new LiveCollection("docs", "{}".getBytes(StandardCharsets.UTF_8), 64, loaded);
        for (int i = 0; i < vectors.length; i++) {
            after.putPoint("p" + i, vectors[i], null);
        }
        float[] q = random(1, 10)[0];
        SearchHits a = index.search(q, 10, 64, null);
        SearchHits b = loaded.search(q, 10, 64, null);
        assertThat(b.size()).isEqualTo(a.size());
        for (int j = 0; j < b.size(); j++) {
            assertThat(b.id(j)).isEqualTo(a.id(j));
            assertThat(b.score(j))
                    .isCloseTo(
                            ExactScores.score(Metric.L2, q, after.vector(b.id(j))), within(1e-3f));
        }
    }

    private static float[][] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] v = new float[n][DIM];
        for (float[] x : v) {
            for (int j = 0; j < DIM; j++) {
                x[j] = (float) r.nextGaussian() + (j % 3 == 0 ? 0.5f : 0f);
            }
        }
        return v;
    }
}
