package io.quiver.local.bench;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.hnsw.HnswIndex;
import java.util.Arrays;

/**
 * The benchmark's data as HNSW graphs: one, or one per shard with point {@code i} in shard {@code i
 * mod shards} (ids are the points' numbers). The in-process anchor searches every shard in turn on
 * the calling thread and keeps the best {@code k}, as one thread without a fan-out would.
 */
final class ShardedIndex {

    private final HnswIndex[] shards;
    private final int[][] members;

    private ShardedIndex(HnswIndex[] shards, int[][] members) {
        this.shards = shards;
        this.members = members;
    }

    /** Builds {@code shards} L2 graphs of {@code base}, one after the other. */
    static ShardedIndex build(float[][] base, int shards, int m, int efc, int threads) {
        HnswIndex[] graphs = new HnswIndex[shards];
        int[][] members = new int[shards][];
        for (int s = 0; s < shards; s++) {
            int size = base.length / shards + (s < base.length % shards ? 1 : 0);
            float[][] vectors = new float[size][];
            String[] ids = new String[size];
            members[s] = new int[size];
            for (int j = 0; j < size; j++) {
                int i = s + j * shards;
                members[s][j] = i;
                vectors[j] = base[i];
                ids[j] = Integer.toString(i);
            }
            graphs[s] =
                    HnswIndex.builder(base[0].length, Metric.L2)
                            .m(m)
                            .efConstruction(efc)
                            .buildThreads(threads)
                            .build();
            graphs[s].addAll(vectors, ids);
        }
        return new ShardedIndex(graphs, members);
    }

    int shards() {
        return shards.length;
    }

    HnswIndex shard(int s) {
        return shards[s];
    }

    /** The numbers of the points in shard {@code s}. */
    int[] members(int s) {
        return members[s];
    }

    /** The best {@code k} over every shard, searched in turn (L2: smaller scores first). */
    SearchHits search(float[] query, int k, int ef) {
        if (shards.length == 1) {
            return shards[0].search(query, k, ef, null);
        }
        String[] ids = new String[k * shards.length];
        float[] scores = new float[ids.length];
        int n = 0;
        for (HnswIndex shard : shards) {
            SearchHits hits = shard.search(query, k, ef, null);
            for (int i = 0; i < hits.size(); i++) {
                ids[n] = hits.id(i);
                scores[n++] = hits.score(i);
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(scores[a], scores[b]));
        int size = Math.min(k, n);
        String[] bestIds = new String[size];
        float[] bestScores = new float[size];
        for (int i = 0; i < size; i++) {
            bestIds[i] = ids[order[i]];
            bestScores[i] = scores[order[i]];
        }
        return new SearchHits(bestIds, bestScores);
    }
}
