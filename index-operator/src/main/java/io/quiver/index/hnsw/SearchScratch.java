package io.quiver.index.hnsw;

/**
 * Reusable per-thread state of a search or an insertion: a generation-stamped visited set, the two
 * queues and query buffers. After warm-up a search allocates nothing. Not thread-safe: one scratch
 * per thread ({@link HnswIndex#newScratch()}); it works with any index.
 */
public final class SearchScratch {

    int[] visited = new int[0];
    int generation;

    final LongHeap candidates = new LongHeap(256);
    final LongHeap results = new LongHeap(256);

    /** The current query as the distance code reads it: floats and/or codes at an offset. */
    float[] qf;

    int qfOff;
    byte[] qb;
    int qbOff;
    int qbSum;

    float[] queryBuffer = new float[0];
    byte[] codeBuffer = new byte[0];

    /** Where a {@link VectorSource} writes the candidate being rescored. */
    float[] rescoreBuffer = new float[0];

    /** Neighbour selection: sorted candidates and the chosen ones. */
    long[] sorted = new long[64];

    int[] chosen = new int[64];
    float[] chosenDistance = new float[64];

    /** Reverse-link shrinking, which runs while {@link #sorted} is still in use. */
    long[] linkSorted = new long[0];

    int[] linkBatch = new int[0];

    int[] linkChosen = new int[0];
    float[] linkChosenDistance = new float[0];

    /**
     * Neighbours an insertion chose on each level ({@code M} slots per level), kept until it writes
     * its own lists.
     */
    int[] levelChosen = new int[0];

    float[] levelChosenDistance = new float[0];
    int[] levelChosenCount = new int[0];

    /** Fresh neighbours of the node being expanded. */
    int[] batch = new int[1024];

    /** Where touched vector bytes go so that the loads are not optimized away. */
    int sink;

    /** Distance computations of the current layer search, against the visit limit. */
    int visitCount;

    public SearchScratch() {}

    /** Starts a new visited set over nodes {@code [0, nodes)}. */
    void newVisit(int nodes) {
        if (visited.length < nodes) {
            visited = new int[Math.max(nodes, visited.length + (visited.length >>> 1))];
            generation = 0;
        }
        if (++generation == 0) {
            java.util.Arrays.fill(visited, 0);
            generation = 1;
        }
        visitCount = 0;
    }

    /** Marks {@code node} visited; returns whether it was already. */
    boolean visit(int node) {
        int[] v = visited;
        if (v[node] == generation) {
            return true;
        }
        v[node] = generation;
        return false;
    }

    void ensureSelection(int candidates) {
        if (sorted.length < candidates) {
            sorted = new long[candidates];
            chosen = new int[candidates];
            chosenDistance = new float[candidates];
        }
    }

    void ensureLinkBuffers(int candidates) {
        if (linkSorted.length < candidates) {
            linkSorted = new long[candidates];
            linkBatch = new int[candidates];
            linkChosen = new int[candidates];
            linkChosenDistance = new float[candidates];
        }
    }

    void ensureLevelChoices(int levels, int perLevel) {
        if (levelChosenCount.length < levels || levelChosen.length < levels * perLevel) {
            levelChosen = new int[levels * perLevel];
            levelChosenDistance = new float[levels * perLevel];
            levelChosenCount = new int[levels];
        }
    }

    float[] queryBuffer(int dimension) {
        if (queryBuffer.length < dimension) {
            queryBuffer = new float[dimension];
        }
        return queryBuffer;
    }

    float[] rescoreBuffer(int dimension) {
        if (rescoreBuffer.length < dimension) {
            rescoreBuffer = new float[dimension];
        }
        return rescoreBuffer;
    }

    byte[] codeBuffer(int dimension) {
        if (codeBuffer.length < dimension) {
            codeBuffer = new byte[dimension];
        }
        return codeBuffer;
    }
}
