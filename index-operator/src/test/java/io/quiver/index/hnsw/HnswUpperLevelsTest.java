package io.quiver.index.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.Metric;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inserts that raise the top level at the same time keep the upper levels whole, as a serial build
 * does: the entry point is on the highest level, every node has neighbours on each level it shares
 * with other nodes, and on the small top levels (where no list overflows, so nothing is pruned)
 * every node is reachable from the entry point.
 *
 * <p>Raising the top is rare (a handful of times per build), so the data is chosen for it: a small
 * M (3) gives many levels, and the seeds are those whose level draw puts two top-raising nodes next
 * to each other past the serial start of the bulk builder, where two build threads take them at the
 * same time. Whether they overlap still depends on thread timing, so each case builds several
 * times, and a second test links the highest nodes last, released together.
 */
class HnswUpperLevelsTest {

    private static final long FIRST_SEED = Long.getLong("quiver.test.seed", 1L);
    private static final int N = 1_500;
    private static final int DIM = 4;
    private static final int M = 3;
    private static final int EF_CONSTRUCTION = 32;
    private static final int SEEDS = 6;
    private static final int BUILDS = 8;
    private static final int RAISE_TRIALS = 40;

    /** The bulk builder links this many nodes alone before its threads start (ParallelLinker). */
    private static final int SERIAL_START = 256;

    /** How close (in ids) two top-raising nodes must be to be linked at the same time. */
    private static final int CLOSE = 1;

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2, 4})
    void upperLevelsStayConnectedWhenInsertsRaiseTheTopTogether(int threads) {
        List<String> failures = new ArrayList<>();
        long[] seeds = seedsWithCloseRaises(FIRST_SEED, SEEDS);
        for (long seed : seeds) {
            float[][] vectors = gaussian(seed, N, DIM);
            // A serial build is the same every time.
            for (int build = 0; build < (threads == 1 ? 1 : BUILDS); build++) {
                HnswIndex index =
                        HnswIndex.builder(DIM, Metric.L2)
                                .m(M)
                                .efConstruction(EF_CONSTRUCTION)
                                .buildThreads(threads)
                                .withIds(false)
                                .seed(seed)
                                .build();
                index.addAll(vectors, null);
                String problem = upperLevelProblem(index.graph());
                if (problem != null) {
                    failures.add("seed " + seed + ", build " + build + ": " + problem);
                }
            }
        }
        assertThat(failures)
                .as(
                        "%d threads, seeds %s (rerun with -Dquiver.test.seed=%d)",
                        threads, java.util.Arrays.toString(seeds), FIRST_SEED)
                .isEmpty();
    }

    /**
     * The same race made likely on purpose: the {@code together} highest nodes, at least two of
     * them above all the others, are linked last and at once, from threads released together.
     */
    @ParameterizedTest(name = "{0} at once")
    @ValueSource(ints = {2, 4})
    void insertsThatRaiseTheTopAtOnceKeepTheirUpperLevels(int together) throws Exception {
        List<String> failures = new ArrayList<>();
        int trials = 0;
        for (long seed = FIRST_SEED; trials < RAISE_TRIALS; seed++) {
            HnswIndex index =
                    HnswIndex.builder(DIM, Metric.L2)
                            .m(M)
                            .efConstruction(EF_CONSTRUCTION)
                            .withIds(false)
                            .seed(seed)
                            .build();
            HnswGraph g = index.graph();
            int[] last = highestNodes(g, together);
            if (last == null) {
                continue;
            }
            trials++;
            float[][] vectors = gaussian(seed, N, DIM);
            SearchScratch scratch = new SearchScratch();
            for (int i = 0; i < N; i++) {
                g.reserve(i, vectors[i], 0, null, scratch);
            }
            g.publish(N);
            for (int i = 0; i < N; i++) {
                if (!contains(last, i)) {
                    g.link(i, scratch);
                }
            }
            linkAtOnce(g, last);
            String problem = upperLevelProblem(g);
            if (problem != null) {
                failures.add(
                        "seed " + seed + ", " + java.util.Arrays.toString(last) + ": " + problem);
            }
        }
        assertThat(failures)
                .as("%d inserts at once (rerun with -Dquiver.test.seed=%d)", together, FIRST_SEED)
                .isEmpty();
    }

    /**
     * The {@code count} nodes of highest level, or null unless at least two of them are above every
     * other node.
     */
    private static int[] highestNodes(HnswGraph g, int count) {
        Integer[] order = new Integer[N];
        int[] levels = new int[N];
        for (int i = 0; i < N; i++) {
            order[i] = i;
            levels[i] = g.randomLevel(i);
        }
        java.util.Arrays.sort(order, (a, b) -> Integer.compare(levels[b], levels[a]));
        int[] highest = new int[count];
        for (int i = 0; i < count; i++) {
            highest[i] = order[i];
        }
        return levels[order[1]] > levels[order[count]] ? highest : null;
    }

    /** Links {@code nodes} on one thread each, all released at the same moment by a spin. */
    private static void linkAtOnce(HnswGraph g, int[] nodes) throws InterruptedException {
        AtomicInteger ready = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] threads = new Thread[nodes.length];
        for (int t = 0; t < nodes.length; t++) {
            int node = nodes[t];
            threads[t] =
                    new Thread(
                            () -> {
                                SearchScratch s = new SearchScratch();
                                ready.incrementAndGet();
                                while (ready.get() < nodes.length) {
                                    Thread.onSpinWait();
                                }
                                try {
                                    g.link(node, s);
                                } catch (Throwable e) {
                                    failure.compareAndSet(null, e);
                                }
                            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure.get()).isNull();
    }

    private static boolean contains(int[] nodes, int node) {
        for (int n : nodes) {
            if (n == node) {
                return true;
            }
        }
        return false;
    }

    /**
     * The first {@code count} seeds from {@code first} on whose level draw has a node past the
     * serial start above every level before it, followed within {@link #CLOSE} ids by another node
     * also above those levels.
     */
    static long[] seedsWithCloseRaises(long first, int count) {
        long[] seeds = new long[count];
        int found = 0;
        for (long seed = first; found < count; seed++) {
            HnswGraph g = HnswIndex.builder(DIM, Metric.L2).m(M).seed(seed).build().graph();
            int[] levels = new int[N];
            for (int i = 0; i < N; i++) {
                levels[i] = g.randomLevel(i);
            }
            if (hasCloseRaises(levels)) {
                seeds[found++] = seed;
            }
        }
        return seeds;
    }

    private static boolean hasCloseRaises(int[] levels) {
        int top = -1;
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] > top) {
                if (i >= SERIAL_START) {
                    for (int j = i + 1; j <= i + CLOSE && j < levels.length; j++) {
                        if (levels[j] > top) {
                            return true;
                        }
                    }
                }
                top = levels[i];
            }
        }
        return false;
    }

    /**
     * What is wrong with the upper levels of {@code g}, or null: the entry point is not on the
     * highest level, a node has no neighbours on a level it shares with others, or a node of a
     * level too small for pruning cannot be reached from the entry point on it.
     */
    static String upperLevelProblem(HnswGraph g) {
        int n = g.count();
        long entry = g.entry();
        int top = HnswGraph.entryLevel(entry);
        int[] perLevel = new int[HnswGraph.MAX_LEVEL + 2];
        int highest = 0;
        for (int node = 0; node < n; node++) {
            int level = g.level(node);
            highest = Math.max(highest, level);
            for (int l = 0; l <= level; l++) {
                perLevel[l]++;
            }
        }
        if (top != highest) {
            return "entry point at level " + top + ", highest node at level " + highest;
        }
        int[] ids = new int[g.maxConn0];
        for (int node = 0; node < n; node++) {
            for (int l = 1; l <= g.level(node); l++) {
                if (perLevel[l] > 1 && g.neighbours(node, l, ids) == 0) {
                    return "node "
                            + node
                            + " has no neighbours on level "
                            + l
                            + ", which holds "
                            + perLevel[l]
                            + " nodes";
                }
            }
        }
        // Where a level holds more than M + 1 nodes, lists overflow and the selection heuristic
        // prunes links, which can cut a node off even in a serial build. On smaller levels no
        // list overflows, every link has its back link, and each insert linked to a node it
        // reached from the entry point, so every node there must be reachable.
        for (int l = 1; l <= top; l++) {
            if (perLevel[l] > g.m + 1) {
                continue;
            }
            boolean[] reached = new boolean[n];
            int start = HnswGraph.entryNode(entry);
            reached[start] = true;
            ArrayDeque<Integer> queue = new ArrayDeque<>();
            queue.add(start);
            while (!queue.isEmpty()) {
                int count = g.neighbours(queue.poll(), l, ids);
                for (int j = 0; j < count; j++) {
                    if (!reached[ids[j]]) {
                        reached[ids[j]] = true;
                        queue.add(ids[j]);
                    }
                }
            }
            List<Integer> missed = new ArrayList<>();
            for (int node = 0; node < n; node++) {
                if (g.level(node) >= l && !reached[node]) {
                    missed.add(node);
                }
            }
            if (!missed.isEmpty()) {
                return "nodes "
                        + missed
                        + " of level "
                        + l
                        + " ("
                        + perLevel[l]
                        + " nodes) are not reachable from the entry point on it";
            }
        }
        return null;
    }

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
