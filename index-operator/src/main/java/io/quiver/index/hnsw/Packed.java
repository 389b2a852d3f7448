package io.quiver.index.hnsw;

/**
 * A distance and a node id in one long whose natural order is (distance, node): the float's bits
 * are mapped to an int with the same order, so heaps compare plain longs and ties break on the
 * smaller id, which keeps results deterministic.
 */
final class Packed {

    private Packed() {}

    static long pack(float distance, int node) {
        int bits = Float.floatToRawIntBits(distance);
        bits ^= (bits >> 31) & 0x7fffffff;
        return ((long) bits << 32) | (node & 0xffffffffL);
    }

    static float distance(long packed) {
        int bits = (int) (packed >> 32);
        bits ^= (bits >> 31) & 0x7fffffff;
        return Float.intBitsToFloat(bits);
    }

    static int node(long packed) {
        return (int) packed;
    }
}
