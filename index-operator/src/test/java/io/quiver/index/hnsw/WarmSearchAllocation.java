package io.quiver.index.hnsw;

import io.quiver.index.Metric;

/**
 * Measures the bytes a warm search allocates, per storage, in a JVM of its own: what the compiler
 * makes of the search loop depends on every index the JVM has run before, and a test suite runs
 * many kinds. The storages take turns as in a shard process that serves collections of both: int8,
 * then float32 (compiled after int8 searches ran), then int8 again. Prints {@code STEP STORAGE
 * bytes} lines; used by {@link HnswFixtureTest}.
 */
final class WarmSearchAllocation {

    /** The order of the measurements. */
    static final Storage[] ORDER = {Storage.INT8, Storage.FLOAT32, Storage.INT8};

    private WarmSearchAllocation() {}

    public static void main(String[] args) {
        for (int step = 0; step < ORDER.length; step++) {
            System.out.println(step + " " + ORDER[step] + " " + warmSearchBytes(ORDER[step]));
        }
    }

    /** Bytes allocated by 2000 searches once they are compiled, or the last round's if never. */
    static long warmSearchBytes(Storage storage) {
        HnswIndex index =
                HnswIndex.builder(32, Metric.COSINE).storage(storage).withIds(false).build();
        float[][] base = TestVectors.clustered(5, 2000, 32, 10);
        index.addAll(base, null);
        if (storage == Storage.INT8) {
            // Rescoring from a source is on the hot path of int8 too.
            index.rescoreWith(TestVectors.source(base));
        }
        SearchScratch s = index.newScratch();
        int[] nodes = new int[10];
        float[] dist = new float[10];
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean)
                        java.lang.management.ManagementFactory.getThreadMXBean();
        // Until C2 has compiled the search loop, Vector API temporaries live on the heap; on a
        // loaded machine that takes a while, and longer when the other storage's searches make
        // the compiled loop start over. So measure rounds until one is clean (bounded), instead
        // of trusting one fixed warm-up: an allocation on the compiled path shows in every round.
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 100 && allocated >= 1024; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2000; i++) {
                index.search(base[i], 10, 64, null, s, nodes, dist);
            }
            allocated = mx.getCurrentThreadAllocatedBytes() - before;
        }
        return allocated;
    }
}
