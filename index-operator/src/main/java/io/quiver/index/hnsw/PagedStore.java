package io.quiver.index.hnsw;

/**
 * Per-node arrays of one graph, in pages of {@code 2^pageShift} nodes so that growing never moves a
 * full page and an index of a few vectors does not pay for a large one: only the last page may be
 * shorter, and it grows by doubling.
 *
 * <p>Layer-0 neighbour lists live in one {@code int[]} per page, {@code 1 + maxConn0} slots per
 * node: the count, then the ids. Upper layers, held by about {@code 1/M} of the nodes, get one
 * {@code int[]} per node with {@code 1 + M} slots per layer.
 *
 * <p>Only the writer (or, during a bulk build, the builder threads after {@link #ensureCapacity}
 * has run) mutates these arrays. Readers reach them through the graph's volatile node count, which
 * is written after every page a published node lives in.
 */
final class PagedStore {

    /** Smallest last page, in nodes. */
    private static final int MIN_PAGE = 16;

    final int dimension;
    final int pageShift;
    final int pageMask;
    final int pageSize;
    final int stride0;
    final int strideUpper;
    final boolean hasFloats;
    final boolean hasCodes;
    final boolean hasSums;

    float[][] vectors;
    byte[][] codes;
    int[][] sums;
    int[][] links0;
    byte[][] info;
    int[][][] upper;
    String[][] labels;

    private int capacity;
    private long upperBytes;

    PagedStore(
            int dimension,
            int maxConn0,
            int maxConn,
            boolean hasFloats,
            boolean hasCodes,
            boolean hasSums,
            boolean hasLabels) {
        this.dimension = dimension;
        // About 2^21 components (8 MiB of floats) per page, at least 64 nodes.
        this.pageShift = Math.max(6, 31 - Integer.numberOfLeadingZeros((1 << 21) / dimension));
        this.pageSize = 1 << pageShift;
        this.pageMask = pageSize - 1;
        this.stride0 = maxConn0 + 1;
        this.strideUpper = maxConn + 1;
        this.hasFloats = hasFloats;
        this.hasCodes = hasCodes;
        this.hasSums = hasSums;
        vectors = hasFloats ? new float[0][] : null;
        codes = hasCodes ? new byte[0][] : null;
        sums = hasSums ? new int[0][] : null;
        links0 = new int[0][];
        info = new byte[0][];
        upper = new int[0][][];
        labels = hasLabels ? new String[0][] : null;
    }

    int capacity() {
        return capacity;
    }

    /** Makes room for nodes {@code [0, nodes)}; only the writer calls this. */
    void ensureCapacity(int nodes) {
        while (capacity < nodes) {
            int pages = links0.length;
            int lastLength = pages == 0 ? pageSize : info[pages - 1].length;
            if (lastLength < pageSize) {
                int base = (pages - 1) << pageShift;
                int want = Math.min(pageSize, Math.max(2 * lastLength, nodes - base));
                resizeLast(pages - 1, want);
                capacity = base + want;
            } else {
                int want = Math.min(pageSize, Math.max(MIN_PAGE, nodes - capacity));
                addPage(want);
                capacity += want;
            }
        }
    }

    private void addPage(int length) {
        int p = links0.length;
        if (hasFloats) {
            vectors = grow(vectors, new float[length * dimension]);
        }
        if (hasCodes) {
            codes = grow(codes, new byte[length * dimension]);
        }
        if (hasSums) {
            sums = grow(sums, new int[length]);
        }
        if (labels != null) {
            labels = grow(labels, new String[length]);
        }
        int[][][] u = java.util.Arrays.copyOf(upper, p + 1);
        u[p] = new int[length][];
        byte[][] in = java.util.Arrays.copyOf(info, p + 1);
        in[p] = new byte[length];
        int[][] l0 = java.util.Arrays.copyOf(links0, p + 1);
        l0[p] = new int[length * stride0];
        upper = u;
        info = in;
        // links0 last: its length is the page count everywhere else.
        links0 = l0;
    }

    private void resizeLast(int p, int length) {
        // Copies, then swaps each page in: a reader holding the old page sees the same published
        // nodes (vectors never change after publication; links may be momentarily stale).
        if (hasFloats) {
            vectors[p] = java.util.Arrays.copyOf(vectors[p], length * dimension);
        }
        if (hasCodes) {
            codes[p] = java.util.Arrays.copyOf(codes[p], length * dimension);
        }
        if (hasSums) {
            sums[p] = java.util.Arrays.copyOf(sums[p], length);
        }
        if (labels != null) {
            labels[p] = java.util.Arrays.copyOf(labels[p], length);
        }
        upper[p] = java.util.Arrays.copyOf(upper[p], length);
        info[p] = java.util.Arrays.copyOf(info[p], length);
        links0[p] = java.util.Arrays.copyOf(links0[p], length * stride0);
    }

    private static <T> T[] grow(T[] pages, T page) {
        T[] bigger = java.util.Arrays.copyOf(pages, pages.length + 1);
        bigger[pages.length] = page;
        return bigger;
    }

    /**
     * A copy of nodes {@code [0, count)} that later writes to this store do not change; the writer
     * calls it while no write is in progress. Lists and node info, which change after publication,
     * are copied (about {@code 4 * (2M + 1) + 1} bytes per node plus the upper lists); vectors,
     * codes, sums and labels never change once a node is published, so the copy shares their pages.
     */
    PagedStore frozenCopy(int count) {
        PagedStore c =
                new PagedStore(
                        dimension,
                        stride0 - 1,
                        strideUpper - 1,
                        hasFloats,
                        hasCodes,
                        hasSums,
                        labels != null);
        int pages = count == 0 ? 0 : ((count - 1) >>> pageShift) + 1;
        // Outer arrays are copied too: a later resize swaps in a longer page here, not there.
        if (hasFloats) {
            c.vectors = java.util.Arrays.copyOf(vectors, pages);
        }
        if (hasCodes) {
            c.codes = java.util.Arrays.copyOf(codes, pages);
        }
        if (hasSums) {
            c.sums = java.util.Arrays.copyOf(sums, pages);
        }
        if (labels != null) {
            c.labels = java.util.Arrays.copyOf(labels, pages);
        }
        c.info = new byte[pages][];
        c.links0 = new int[pages][];
        c.upper = new int[pages][][];
        for (int p = 0; p < pages; p++) {
            int nodes = Math.min(info[p].length, count - (p << pageShift));
            c.info[p] = java.util.Arrays.copyOf(info[p], nodes);
            c.links0[p] = java.util.Arrays.copyOf(links0[p], nodes * stride0);
            int[][] from = upper[p];
            int[][] to = new int[nodes][];
            for (int i = 0; i < nodes; i++) {
                if (from[i] != null) {
                    to[i] = from[i].clone();
                    c.upperBytes += 16 + 4L * to[i].length;
                }
            }
            c.upper[p] = to;
        }
        c.capacity = count;
        return c;
    }

    /** Allocates the upper-layer lists of a node with {@code level >= 1}. */
    void allocateUpper(int node, int level) {
        int[] lists = new int[level * strideUpper];
        upper[node >>> pageShift][node & pageMask] = lists;
        upperBytes += 16 + 4L * lists.length;
    }

    /** Heap bytes of the arrays, including the unused tail of the last page. */
    long ramBytesUsed() {
        long bytes = 0;
        long ref = 4; // compressed oops
        int pages = links0.length;
        for (int p = 0; p < pages; p++) {
            int n = info[p].length;
            bytes += 16 + n; // info
            bytes += 16 + 4L * n * stride0; // links0
            bytes += 16 + ref * n; // upper references
            if (hasFloats) {
                bytes += 16 + 4L * n * dimension;
            }
            if (hasCodes) {
                bytes += 16 + (long) n * dimension;
            }
            if (hasSums) {
                bytes += 16 + 4L * n;
            }
            if (labels != null) {
                bytes += 16 + ref * n;
            }
        }
        return bytes + upperBytes + 64L * pages;
    }
}
