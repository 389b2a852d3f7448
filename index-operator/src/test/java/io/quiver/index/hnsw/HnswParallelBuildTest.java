package io.quiver.index.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A bulk build on several threads must leave every vector reachable, as a serial build does. The
 * races it guards against depend on thread timing, so each case builds several times; a broken
 * build loses a few dozen nodes per run on this data, so one run in several is enough to catch it.
 */
class HnswParallelBuildTest {

    private static final long SEED = Long.getLong("quiver.test.seed", 20261125L);
    private static final int N = 12_500;
    private static final int DIM = 8;
    private static final int M = 12;
    private static final int EF_CONSTRUCTION = 100;
    private static final int BUILDS = 3;

    /** Far above what a connected node needs to be found from itself in 8 dimensions. */
    private static final int EF = 400;

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {2, 4})
    void everyVectorIsReachableAfterAParallelBuild(int threads) {
        float[][] vectors = gaussian(SEED, N, DIM);
        List<String> failures = new ArrayList<>();
        for (int build = 0; build < BUILDS; build++) {
            HnswIndex index =
                    HnswIndex.builder(DIM, Metric.COSINE)
                            .m(M)
                            .efConstruction(EF_CONSTRUCTION)
                            .buildThreads(threads)
                            .withIds(false)
                            .seed(SEED)
                            .build();
            index.addAll(vectors, null);

            List<Integer> orphans = withoutInboundEdges(index.graph());
            List<Integer> lost = notFoundFromThemselves(index, vectors);
            if (!orphans.isEmpty() || !lost.isEmpty()) {
                failures.add(
                        "build "
                                + build
                                + ": "
                                + orphans.size()
                                + " nodes without inbound layer-0 edges "
                                + head(orphans)
                                + ", "
                                + lost.size()
                                + " not found by a search for themselves "
                                + head(lost));
            }
        }
        assertThat(failures)
                .as("%d threads, seed %d (rerun with -Dquiver.test.seed=%d)", threads, SEED, SEED)
                .isEmpty();
    }

    /** Nodes other than the entry point that no layer-0 list names. */
    private static List<Integer> withoutInboundEdges(HnswGraph g) {
        int n = g.count();
        boolean[] inbound = new boolean[n];
        int[] ids = new int[g.maxConn0];
        for (int node = 0; node < n; node++) {
            int count = g.neighbours(node, 0, ids);
            for (int j = 0; j < count; j++) {
                if (ids[j] != node) {
                    inbound[ids[j]] = true;
                }
            }
        }
        int entry = HnswGraph.entryNode(g.entry());
        List<Integer> orphans = new ArrayList<>();
        for (int node = 0; node < n; node++) {
            if (!inbound[node] && node != entry) {
                orphans.add(node);
            }
        }
        return orphans;
    }

    private static List<Integer> notFoundFromThemselves(HnswIndex index, float[][] vectors) {
        SearchScratch scratch = index.newScratch();
        int[] nodes = new int[1];
        float[] distances = new float[1];
        List<Integer> lost = new ArrayList<>();
        for (int i = 0; i < vectors.length; i++) {
            int found = index.search(vectors[i], 1, EF, null, scratch, nodes, distances);
            if (found == 0 || nodes[0] != i) {
                lost.add(i);
            }
        }
        return lost;
    }

    private static String head(List<Integer> nodes) {
        return nodes.subList(0, Math.min(10, nodes.size())).toString();
    }

    /** Uniform directions: no clusters to hide a disconnected node behind a near duplicate. */
    private static float[][] gaussian(long seed, int n, int dim) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] v = new float[n][dim];
        for (float[] row : v) {
            for (int j = 0; j < dim; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return v;
    }
}
