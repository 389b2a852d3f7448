package io.quiver.index.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every live point stays reachable: searched with its own vector and a candidate list larger than
 * the graph, it comes first, however deletes and grouped inserts interleave. Small graphs with
 * early deletes are where a tombstone entry point used to strand points.
 */
class HnswReachabilityTest {

    private static final int DIM = 16;
    private static final long SEED = Long.getLong("quiver.test.seed", 20261126L);

    @Test
    void aPointInsertedAfterTheOnlyPointWasDeletedIsFound() {
        HnswIndex index = HnswIndex.builder(DIM, Metric.L2).build();
        SplittableRandom r = new SplittableRandom(SEED);
        index.upsert("first", vector(r));
        index.delete("first");
        float[] second = vector(r);
        index.upsert("second", second);
        for (int i = 0; i < 300; i++) {
            index.upsert("p" + i, vector(r));
        }
        assertThat(index.search(second, 1, 10_000, null).id(0)).isEqualTo("second");
        assertThat(HnswGraph.entryNode(index.graph().entry())).isNotZero();
    }

    @Test
    void deletingEveryPointLeavesNoEntryPointAndTheNextInsertTakesIt() {
        HnswIndex index = HnswIndex.builder(DIM, Metric.L2).build();
        SplittableRandom r = new SplittableRandom(SEED);
        for (int i = 0; i < 5; i++) {
            index.upsert("p" + i, vector(r));
        }
        for (int i = 0; i < 5; i++) {
            index.delete("p" + i);
        }
        assertThat(index.graph().entry()).isEqualTo(HnswGraph.EMPTY);
        assertThat(index.search(vector(r), 3, 100, null).size()).isZero();
        float[] v = vector(r);
        index.upsert("again", v);
        assertThat(index.search(v, 1, 100, null).id(0)).isEqualTo("again");
    }

    @Test
    void aSnapshotWhoseEntryPointWasDeletedAfterwardsRestoresWithALiveOne() throws Exception {
        HnswIndex index = HnswIndex.builder(DIM, Metric.L2).build();
        SplittableRandom r = new SplittableRandom(SEED);
        Map<String, float[]> points = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            points.put("p" + i, vector(r));
            index.upsert("p" + i, points.get("p" + i));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        index.writeGraphTo(out);
        // The restore's vector source lacks the entry point's id, as when it was deleted after the
        // snapshot: that node comes back as a tombstone.
        String entryId = index.idOf(HnswGraph.entryNode(index.graph().entry()));
        points.remove(entryId);
        HnswIndex restored =
                HnswIndex.readFrom(
                        new ByteArrayInputStream(out.toByteArray()),
                        1,
                        (node, id, dst) -> {
                            float[] v = points.get(id);
                            if (v == null) {
                                return false;
                            }
                            System.arraycopy(v, 0, dst, 0, v.length);
                            return true;
                        });
        int entry = HnswGraph.entryNode(restored.graph().entry());
        assertThat(restored.graph().isDeleted(entry)).isFalse();
        for (Map.Entry<String, float[]> e : points.entrySet()) {
            assertThat(restored.search(e.getValue(), 1, 10_000, null).id(0)).isEqualTo(e.getKey());
        }
    }

    @Test
    void everyLivePointIsReachableAfterInterleavedDeletesAndGroupedInserts() {
        long live = 0;
        List<String> unreachable = new ArrayList<>();
        for (int g = 0; g < 3000; g++) {
            SplittableRandom r = new SplittableRandom(SEED + g);
            HnswIndex index = HnswIndex.builder(DIM, Metric.L2).buildThreads(1).build();
            Map<String, float[]> points = new LinkedHashMap<>();
            List<String> groupIds = new ArrayList<>();
            List<float[]> groupVectors = new ArrayList<>();
            int ops = 5 + r.nextInt(80);
            for (int n = 0; n < ops; n++) {
                if (!points.isEmpty() && r.nextInt(100) < 20) {
                    // Deletes hit the oldest points, the entry point among them.
                    flush(index, groupIds, groupVectors);
                    List<String> ids = new ArrayList<>(points.keySet());
                    String id = ids.get(r.nextInt(Math.min(ids.size(), 3)));
                    index.delete(id);
                    points.remove(id);
                    continue;
                }
                float[] v = vector(r);
                groupIds.add("k" + n);
                groupVectors.add(v);
                points.put("k" + n, v);
                if (groupIds.size() >= 1 + r.nextInt(8)) {
                    flush(index, groupIds, groupVectors);
                }
            }
            flush(index, groupIds, groupVectors);
            for (Map.Entry<String, float[]> e : points.entrySet()) {
                live++;
                SearchHits h = index.search(e.getValue(), 1, 10_000, null);
                if (h.size() == 0 || !h.id(0).equals(e.getKey())) {
                    unreachable.add("graph " + g + " " + e.getKey());
                }
            }
        }
        assertThat(unreachable).as("unreachable of %d live points, seed %d", live, SEED).isEmpty();
    }

    private static void flush(HnswIndex index, List<String> ids, List<float[]> vectors) {
        if (!ids.isEmpty()) {
            index.addAll(vectors.toArray(new float[0][]), ids.toArray(new String[0]));
            ids.clear();
            vectors.clear();
        }
    }

    private static float[] vector(SplittableRandom r) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }
}
