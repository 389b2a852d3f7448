package io.quiver.index.hnsw;

import io.quiver.index.Metric;

/**
 * Measures the bytes a warm search allocates, per storage, in a JVM of its own: what the compiler
 * makes of the search loop depends on every index the JVM has run before (a test suite runs many),
 * and the claim is about a search loop compiled for its own work. Prints {@code STORAGE bytes}
 * lines; used by {@link HnswFixtureTest}.
 */
final class WarmSearchAllocation {

    private WarmSearchAllocation() {}

    public static void main(String[] args) {
        for (Storage storage : Storage.values()) {
            System.out.println(storage + " " + warmSearchBytes(storage));
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
        // loaded machine that takes a while, so measure rounds until one is clean (bounded),
        // instead of trusting one fixed warm-up.
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < 40 && allocated >= 1024; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 2000; i++) {
                index.search(base[i], 10, 64, null, s, nodes, dist);
            }
            allocated = mx.getCurrentThreadAllocatedBytes() - before;
        }
        return allocated;
    }
}
