package io.quiver.index.hnsw;

import io.quiver.index.Metric;
import io.quiver.index.quant.ScalarQuantizer;
import io.quiver.index.vector.VectorKernels;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * The layered graph of Malkov and Yashunin ("Efficient and robust approximate nearest neighbor
 * search using Hierarchical Navigable Small World graphs", 2016) over internal int ids, with its
 * vectors.
 *
 * <p>Concurrency: nodes are reserved (vector written, then the volatile {@link #count} raised) by
 * one thread; linking may run on several threads at once (the bulk builder) and takes the lock
 * stripe of each node whose list it writes, one at a time. Searches take no lock: they read the
 * volatile count once, ignore ids at or above it, and read neighbour lists racily. A racy read can
 * see a list half rewritten, which only costs a little recall for that one search, never a wrong
 * id: every id ever stored in a list is a reserved node, and ints are read whole.
 */
final class HnswGraph {

    /** Levels above this are clamped; reaching it needs {@code M^30} nodes. */
    static final int MAX_LEVEL = 30;

    static final int DELETED = 0x80;
    private static final int LEVEL_MASK = 0x7f;
    static final long EMPTY = -1L;
    private static final int LOCK_STRIPES = 1 << 12;

    final Metric metric;
    private final boolean l2;
    private final boolean cosine;
    final int dimension;
    final int m;
    final int maxConn0;
    final int efConstruction;
    final double levelMultiplier;
    final long seed;
    final boolean int8;
    final ScalarQuantizer quantizer;
    final VectorKernels kernels;
    final PagedStore store;
    final float exactSelectivity;

    private volatile int count;
    private volatile int deletedCount;
    private final AtomicLong entry = new AtomicLong(EMPTY);
    private final Object[] locks = new Object[LOCK_STRIPES];

    /** Taken by inserts above the top level only; see {@link #link}. */
    private final Object raiseLock = new Object();

    HnswGraph(
            Metric metric,
            int dimension,
            int m,
            int efConstruction,
            ScalarQuantizer quantizer,
            boolean labels,
            long seed,
            float exactSelectivity,
            VectorKernels kernels) {
        this(
                metric,
                dimension,
                m,
                efConstruction,
                quantizer,
                labels,
                seed,
                exactSelectivity,
                kernels,
                null);
    }

    private HnswGraph(
            Metric metric,
            int dimension,
            int m,
            int efConstruction,
            ScalarQuantizer quantizer,
            boolean labels,
            long seed,
            float exactSelectivity,
            VectorKernels kernels,
            PagedStore store) {
        this.metric = metric;
        this.l2 = metric == Metric.L2;
        this.cosine = metric == Metric.COSINE;
        this.dimension = dimension;
        this.m = m;
        this.maxConn0 = 2 * m;
        this.efConstruction = efConstruction;
        this.levelMultiplier = 1.0 / Math.log(m);
        this.seed = seed;
        this.int8 = quantizer != null;
        this.quantizer = quantizer;
        this.kernels = kernels;
        this.exactSelectivity = exactSelectivity;
        this.store =
                store != null
                        ? store
                        : new PagedStore(dimension, maxConn0, m, !int8, int8, int8 && !l2, labels);
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new Object();
        }
    }

    int count() {
        return count;
    }

    int deletedCount() {
        return deletedCount;
    }

    long entry() {
        return entry.get();
    }

    static int entryNode(long entry) {
        return (int) entry;
    }

    static int entryLevel(long entry) {
        return (int) (entry >>> 32);
    }

    static long packEntry(int node, int level) {
        return ((long) level << 32) | node;
    }

    // ---------------------------------------------------------------- nodes

    /**
     * The level of a new node: {@code floor(-ln(U) * mL)} with {@code mL = 1 / ln(M)}, U drawn from
     * a hash of the seed and the id, so a rebuild that inserts the survivors in order draws the
     * same levels as a fresh build of them.
     */
    int randomLevel(int node) {
        long z = seed + (node + 1L) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        double u = ((z >>> 11) + 1) * 0x1.0p-53;
        return Math.min(MAX_LEVEL, (int) (-Math.log(u) * levelMultiplier));
    }

    int level(int node) {
        return store.info[node >>> store.pageShift][node & store.pageMask] & LEVEL_MASK;
    }

    boolean isDeleted(int node) {
        return (store.info[node >>> store.pageShift][node & store.pageMask] & DELETED) != 0;
    }

    String label(int node) {
        return store.labels[node >>> store.pageShift][node & store.pageMask];
    }

    /**
     * Writes a new node's vector (normalized for cosine, quantized for int8) and metadata without
     * publishing it; {@link #publish(int)} makes it visible. Writer only.
     *
     * @param scratch holds the normalized copy for cosine
     */
    void reserve(int node, float[] vector, int offset, String label, SearchScratch scratch) {
        store.ensureCapacity(node + 1);
        int p = node >>> store.pageShift;
        int i = node & store.pageMask;
        float[] src = vector;
        int srcOffset = offset;
        if (cosine) {
            src = scratch.queryBuffer(dimension);
            srcOffset = 0;
            normalize(vector, offset, src, dimension);
        }
        if (store.hasFloats) {
            System.arraycopy(src, srcOffset, store.vectors[p], i * dimension, dimension);
        }
        if (int8) {
            int sum = quantizer.quantize(src, srcOffset, store.codes[p], i * dimension, dimension);
            if (store.hasSums) {
                store.sums[p][i] = sum;
            }
        }
        initNode(node, label);
    }

    /** Like {@link #reserve} but copies a node of another graph with the same configuration. */
    void reserveCopy(int node, HnswGraph from, int fromNode, String label) {
        store.ensureCapacity(node + 1);
        int p = node >>> store.pageShift;
        int i = node & store.pageMask;
        int fp = fromNode >>> from.store.pageShift;
        int fi = fromNode & from.store.pageMask;
        if (store.hasFloats) {
            System.arraycopy(
                    from.store.vectors[fp],
                    fi * dimension,
                    store.vectors[p],
                    i * dimension,
                    dimension);
        }
        if (int8) {
            System.arraycopy(
                    from.store.codes[fp], fi * dimension, store.codes[p], i * dimension, dimension);
            if (store.hasSums) {
                store.sums[p][i] = from.store.sums[fp][fi];
            }
        }
        initNode(node, label);
    }

    private void initNode(int node, String label) {
        int p = node >>> store.pageShift;
        int i = node & store.pageMask;
        int level = randomLevel(node);
        store.info[p][i] = (byte) level;
        store.links0[p][i * store.stride0] = 0;
        if (level > 0) {
            store.allocateUpper(node, level);
        }
        if (store.labels != null) {
            store.labels[p][i] = label;
        }
    }

    /** Makes nodes {@code [0, newCount)} visible to searches. */
    void publish(int newCount) {
        assert newCount >= count : "count moves forward only: " + count + " -> " + newCount;
        count = newCount;
    }

    static void normalize(float[] src, int offset, float[] dst, int dimension) {
        double norm = 0;
        for (int i = 0; i < dimension; i++) {
            float x = src[offset + i];
            norm += x * x;
        }
        float inv = (float) (1.0 / Math.sqrt(norm));
        for (int i = 0; i < dimension; i++) {
            dst[i] = src[offset + i] * inv;
        }
    }

    // ---------------------------------------------------------------- distances

    private void setQuery(SearchScratch s, float[] query) {
        float[] q = query;
        if (cosine) {
            q = s.queryBuffer(dimension);
            normalize(query, 0, q, dimension);
        }
        s.qf = q;
        s.qfOff = 0;
        if (int8) {
            byte[] codes = s.codeBuffer(dimension);
            s.qbSum = quantizer.quantize(q, 0, codes, 0, dimension);
            s.qb = codes;
            s.qbOff = 0;
        }
    }

    private void setQueryFromNode(SearchScratch s, int node) {
        int p = node >>> store.pageShift;
        int i = node & store.pageMask;
        if (store.hasFloats) {
            s.qf = store.vectors[p];
            s.qfOff = i * dimension;
        }
        if (int8) {
            s.qb = store.codes[p];
            s.qbOff = i * dimension;
            s.qbSum = store.hasSums ? store.sums[p][i] : 0;
        }
    }

    /** Distance the graph is built on (int8 codes when quantized) from the query in {@code s}. */
    float distance(SearchScratch s, int node) {
        int p = node >>> store.pageShift;
        int off = (node & store.pageMask) * dimension;
        if (int8) {
            if (l2) {
                return quantizer.squareDistance(
                        kernels.squareDistanceInt8(s.qb, s.qbOff, store.codes[p], off, dimension));
            }
            int codeDot = kernels.dotInt8(s.qb, s.qbOff, store.codes[p], off, dimension);
            float dot =
                    quantizer.dot(
                            codeDot, s.qbSum, store.sums[p][node & store.pageMask], dimension);
            return cosine ? 1f - dot : -dot;
        }
        float[] v = store.vectors[p];
        if (l2) {
            return kernels.squareDistance(s.qf, s.qfOff, v, off, dimension);
        }
        float dot = kernels.dot(s.qf, s.qfOff, v, off, dimension);
        return cosine ? 1f - dot : -dot;
    }

    /**
     * Exact float32 distance from the query in {@code s} to the vector {@code source} holds for
     * {@code node}, or its graph distance when the source has none.
     */
    float sourceDistance(SearchScratch s, int node, VectorSource source) {
        float[] v = s.rescoreBuffer(dimension);
        String label = store.labels != null ? label(node) : null;
        if (!source.read(node, label, v)) {
            return distance(s, node);
        }
        if (l2) {
            return kernels.squareDistance(s.qf, s.qfOff, v, 0, dimension);
        }
        float dot = kernels.dot(s.qf, s.qfOff, v, 0, dimension);
        if (!cosine) {
            return -dot;
        }
        // The source holds vectors as written; the query is already normalized.
        float norm = kernels.dot(v, 0, v, 0, dimension);
        return norm > 0 ? 1f - dot / (float) Math.sqrt(norm) : 1f;
    }

    /** Graph distance between two stored nodes. */
    float distanceBetween(int a, int b) {
        int pa = a >>> store.pageShift;
        int oa = (a & store.pageMask) * dimension;
        int pb = b >>> store.pageShift;
        int ob = (b & store.pageMask) * dimension;
        if (int8) {
            if (l2) {
                return quantizer.squareDistance(
                        kernels.squareDistanceInt8(
                                store.codes[pa], oa, store.codes[pb], ob, dimension));
            }
            int codeDot = kernels.dotInt8(store.codes[pa], oa, store.codes[pb], ob, dimension);
            float dot =
                    quantizer.dot(
                            codeDot,
                            store.sums[pa][a & store.pageMask],
                            store.sums[pb][b & store.pageMask],
                            dimension);
            return cosine ? 1f - dot : -dot;
        }
        if (l2) {
            return kernels.squareDistance(store.vectors[pa], oa, store.vectors[pb], ob, dimension);
        }
        float dot = kernels.dot(store.vectors[pa], oa, store.vectors[pb], ob, dimension);
        return cosine ? 1f - dot : -dot;
    }

    // ---------------------------------------------------------------- lists

    private int[] list(int node, int level) {
        return level == 0
                ? store.links0[node >>> store.pageShift]
                : store.upper[node >>> store.pageShift][node & store.pageMask];
    }

    private int base(int node, int level) {
        return level == 0
                ? (node & store.pageMask) * store.stride0
                : (level - 1) * store.strideUpper;
    }

    /** Neighbour ids of {@code node} at {@code level} into {@code out}; returns their count. */
    int neighbours(int node, int level, int[] out) {
        int[] list = list(node, level);
        int base = base(node, level);
        int n = list[base];
        System.arraycopy(list, base + 1, out, 0, n);
        return n;
    }

    /** Overwrites a list: ids first, count last, so a racy reader sees valid ids throughout. */
    void writeList(int node, int level, int[] ids, int n) {
        int[] list = list(node, level);
        int base = base(node, level);
        assert n <= (level == 0 ? maxConn0 : m) : n + " neighbours at level " + level;
        System.arraycopy(ids, 0, list, base + 1, n);
        list[base] = n;
    }

    private Object lock(int node) {
        return locks[node & (LOCK_STRIPES - 1)];
    }

    // ---------------------------------------------------------------- insertion

    /**
     * Links a reserved node into the graph (the paper's INSERT):
     *
     * <ol>
     *   <li>draw its level l (done at reservation);
     *   <li>from the entry point, descend greedily (ef = 1) through the levels above l;
     *   <li>on each level from min(l, top) down to 0, collect efConstruction candidates and keep M
     *       of them by the heuristic (a candidate is kept only if it is closer to the new node than
     *       to every neighbour kept before it);
     *   <li>write the node's own lists on all those levels, then link back from each kept
     *       neighbour, shrinking any list that overflows with the same heuristic;
     *   <li>if l is above the top level, the node becomes the entry point; such inserts run one at
     *       a time.
     * </ol>
     *
     * <p>May run on several threads at once for different nodes, which is why steps 3 and 4 are
     * apart: a node becomes reachable through its first back link, and from then on another
     * insertion can start a lower-level search at it and link back to it. Were its lower lists
     * still empty then, that insertion would keep the node as its only neighbour, and the node's
     * own list, written later, would overwrite the back link and leave the other node with no
     * inbound edge. Writing all own lists first means every list of a reachable node is final
     * except for back links, which are only ever added under the node's lock. A serial build gives
     * the same graph either way: a level's lists are read only by the search on that level.
     */
    void link(int node, SearchScratch s) {
        int level = level(node);
        long e = entry.get();
        while (e == EMPTY) {
            if (entry.compareAndSet(EMPTY, packEntry(node, level))) {
                return;
            }
            e = entry.get();
        }
        if (level <= entryLevel(e)) {
            linkBelow(node, level, e, s);
            return;
        }
        // A node above the top level links and becomes the entry point under one lock. Two such
        // inserts running at once would both start from the old top, neither would see the
        // other on the levels above it, and both would keep empty lists there; no later insert
        // finds a node that links nowhere, so those levels would stay split for good. The top
        // rises a handful of times per graph, so the lock costs nothing; inserts at or below the
        // top never take it.
        synchronized (raiseLock) {
            e = entry.get();
            linkBelow(node, level, e, s);
            if (level > entryLevel(e)) {
                assert entry.get() == e : "the entry point moved outside the raise lock";
                entry.set(packEntry(node, level));
            }
        }
    }

    /**
     * Steps 2-4 of {@link #link}: links {@code node} on its levels up to the top of {@code e}, the
     * entry point read when it started.
     */
    private void linkBelow(int node, int level, long e, SearchScratch s) {
        int ep = entryNode(e);
        int top = entryLevel(e);
        int n = count;
        s.ensureSelection(Math.max(efConstruction, maxConn0 + 1) + 1);
        s.ensureLinkBuffers(maxConn0 + 1);
        s.ensureLevelChoices(MAX_LEVEL + 1, m);
        setQueryFromNode(s, node);
        float epDist = distance(s, ep);
        for (int lc = top; lc > level; lc--) {
            long best = greedy(s, ep, epDist, lc, n);
            ep = Packed.node(best);
            epDist = Packed.distance(best);
        }
        int lowest = Math.min(top, level);
        for (int lc = lowest; lc >= 0; lc--) {
            searchLayer(s, ep, epDist, efConstruction, lc, null, false, n, Integer.MAX_VALUE);
            int found = drainAscending(s.results, s.sorted);
            int at = lc * m;
            if (found == 0) {
                s.levelChosenCount[lc] = 0;
                continue;
            }
            ep = Packed.node(s.sorted[0]);
            epDist = Packed.distance(s.sorted[0]);
            // Tombstones lead the search but are no neighbours: repairs drop links to them, so a
            // node that chose tombstones (which also crowd out the live points they stand next to
            // in the heuristic) could be left with no way in.
            int live = deletedCount == 0 ? found : dropDeleted(s.sorted, found);
            int chosen = selectNeighbours(s.sorted, live, m, s.chosen, s.chosenDistance, node);
            System.arraycopy(s.chosen, 0, s.levelChosen, at, chosen);
            System.arraycopy(s.chosenDistance, 0, s.levelChosenDistance, at, chosen);
            s.levelChosenCount[lc] = chosen;
        }
        synchronized (lock(node)) {
            for (int lc = lowest; lc >= 0; lc--) {
                assert list(node, lc)[base(node, lc)] == 0
                        : "node " + node + " got links on level " + lc + " before its own";
                System.arraycopy(s.levelChosen, lc * m, s.chosen, 0, s.levelChosenCount[lc]);
                writeList(node, lc, s.chosen, s.levelChosenCount[lc]);
            }
        }
        for (int lc = lowest; lc >= 0; lc--) {
            int maxConn = lc == 0 ? maxConn0 : m;
            int at = lc * m;
            for (int j = 0; j < s.levelChosenCount[lc]; j++) {
                addLink(s.levelChosen[at + j], lc, node, s.levelChosenDistance[at + j], maxConn, s);
            }
        }
    }

    /** Keeps the live nodes of {@code packed[0, n)} at its front, in order; returns their count. */
    private int dropDeleted(long[] packed, int n) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (!isDeleted(Packed.node(packed[i]))) {
                packed[kept++] = packed[i];
            }
        }
        return kept;
    }

    /** Pops a max-heap (of complements) into {@code out} nearest first; returns the count. */
    private static int drainAscending(LongHeap maxHeap, long[] out) {
        int n = maxHeap.size();
        for (int i = n - 1; i >= 0; i--) {
            out[i] = ~maxHeap.pop();
        }
        return n;
    }

    /**
     * The neighbour-selection heuristic (the paper's Algorithm 4 without extending candidates or
     * keeping pruned ones): walk candidates nearest first and keep one only if no kept neighbour is
     * closer to it than the base is. This spreads links across directions, which keeps clustered
     * data navigable.
     *
     * @param sorted packed (distance to base, id), ascending
     * @param skip an id never to keep (the base itself), or -1
     */
    private int selectNeighbours(
            long[] sorted, int n, int max, int[] outIds, float[] outDist, int skip) {
        int chosen = 0;
        for (int i = 0; i < n && chosen < max; i++) {
            int c = Packed.node(sorted[i]);
            if (c == skip) {
                continue;
            }
            float d = Packed.distance(sorted[i]);
            boolean keep = true;
            for (int j = 0; j < chosen; j++) {
                if (distanceBetween(c, outIds[j]) < d) {
                    keep = false;
                    break;
                }
            }
            if (keep) {
                outIds[chosen] = c;
                outDist[chosen++] = d;
            }
        }
        return chosen;
    }

    private void addLink(
            int target, int level, int node, float distance, int maxConn, SearchScratch s) {
        synchronized (lock(target)) {
            int[] list = list(target, level);
            int base = base(target, level);
            int n = list[base];
            for (int j = 1; j <= n; j++) {
                if (list[base + j] == node) {
                    return;
                }
            }
            if (n < maxConn) {
                list[base + 1 + n] = node;
                list[base] = n + 1;
                return;
            }
            // The neighbours' vectors are mostly cold: start loading all of them at once.
            int[] batch = s.linkBatch;
            System.arraycopy(list, base + 1, batch, 0, n);
            s.sink += touch(batch, n);
            long[] buf = s.linkSorted;
            buf[0] = Packed.pack(distance, node);
            for (int j = 0; j < n; j++) {
                int other = batch[j];
                buf[j + 1] = Packed.pack(distanceBetween(target, other), other);
            }
            Arrays.sort(buf, 0, n + 1);
            int chosen =
                    selectNeighbours(
                            buf, n + 1, maxConn, s.linkChosen, s.linkChosenDistance, target);
            writeList(target, level, s.linkChosen, chosen);
        }
    }

    // ---------------------------------------------------------------- search

    /**
     * Cache lines touched per vector before a batch of distance computations: 8 (512 bytes) was the
     * best of 0, 1, 4, 8 and 49 on Fashion-MNIST (784-d), about 10 % over none; the hardware
     * prefetcher streams the rest of each vector once the first lines arrive.
     */
    static final int TOUCH_LINES = 8;

    /**
     * Loads the first cache lines of each vector about to be compared, without waiting for them:
     * the loads only feed a sink, so the CPU keeps them all in flight at once and the distance loop
     * that follows finds its data arriving or arrived. Java has no prefetch instruction; this gets
     * most of its effect on graphs larger than the caches.
     */
    private int touch(int[] nodes, int count) {
        int sink = 0;
        int lines = TOUCH_LINES;
        int step = 16; // floats per 64-byte line
        if (int8) {
            for (int j = 0; j < count; j++) {
                int nb = nodes[j];
                byte[] page = store.codes[nb >>> store.pageShift];
                int off = (nb & store.pageMask) * dimension;
                for (int l = 0, at = off; l < lines && at < off + dimension; l++, at += 64) {
                    sink += page[at];
                }
            }
            return sink;
        }
        for (int j = 0; j < count; j++) {
            int nb = nodes[j];
            float[] page = store.vectors[nb >>> store.pageShift];
            int off = (nb & store.pageMask) * dimension;
            for (int l = 0, at = off; l < lines && at < off + dimension; l++, at += step) {
                sink += Float.floatToRawIntBits(page[at]);
            }
        }
        return sink;
    }

    /** Greedy walk (ef = 1) on one level; returns the packed nearest node found. */
    private long greedy(SearchScratch s, int ep, float epDist, int level, int n) {
        int cur = ep;
        float curDist = epDist;
        boolean moved = true;
        while (moved) {
            moved = false;
            int[] list = list(cur, level);
            int base = base(cur, level);
            int cnt = list[base];
            for (int j = 1; j <= cnt; j++) {
                int nb = list[base + j];
                if (nb >= n) {
                    continue;
                }
                float d = distance(s, nb);
                if (d < curDist) {
                    curDist = d;
                    cur = nb;
                    moved = true;
                }
            }
        }
        return Packed.pack(curDist, cur);
    }

    /**
     * The paper's SEARCH-LAYER: best-first expansion from {@code ep} until the nearest unexpanded
     * candidate is farther than the worst of {@code ef} results. Nodes the filter rejects and
     * tombstones are still expanded (they keep the graph connected) but never enter the results,
     * and while results are short the search keeps expanding.
     *
     * @return false if the search gave up after {@code visitLimit} distance computations
     */
    boolean searchLayer(
            SearchScratch s,
            int ep,
            float epDist,
            int ef,
            int level,
            IntPredicate filter,
            boolean skipDeleted,
            int n,
            int visitLimit) {
        s.newVisit(n);
        LongHeap candidates = s.candidates;
        LongHeap results = s.results;
        candidates.clear();
        results.clear();
        boolean checkDeleted = skipDeleted && deletedCount > 0;
        s.visit(ep);
        long packedEp = Packed.pack(epDist, ep);
        candidates.push(packedEp);
        float bound = Float.POSITIVE_INFINITY;
        if ((!checkDeleted || !isDeleted(ep)) && (filter == null || filter.test(ep))) {
            results.push(~packedEp);
            bound = epDist;
        }
        final int shift = store.pageShift;
        final int mask = store.pageMask;
        int visits = 0;
        while (!candidates.isEmpty()) {
            long c = candidates.peek();
            if (Packed.distance(c) > bound && results.size() >= ef) {
                break;
            }
            candidates.pop();
            int cn = Packed.node(c);
            int[] list;
            int base;
            if (level == 0) {
                list = store.links0[cn >>> shift];
                base = (cn & mask) * store.stride0;
            } else {
                list = store.upper[cn >>> shift][cn & mask];
                base = (level - 1) * store.strideUpper;
            }
            int cnt = list[base];
            int[] batch = s.batch;
            int fresh = 0;
            for (int j = 1; j <= cnt; j++) {
                int nb = list[base + j];
                if (nb < n && !s.visit(nb)) {
                    batch[fresh++] = nb;
                }
            }
            s.sink += touch(batch, fresh);
            for (int j = 0; j < fresh; j++) {
                int nb = batch[j];
                float d = distance(s, nb);
                visits++;
                if (results.size() < ef || d < bound) {
                    long p = Packed.pack(d, nb);
                    candidates.push(p);
                    if ((!checkDeleted || (store.info[nb >>> shift][nb & mask] & DELETED) == 0)
                            && (filter == null || filter.test(nb))) {
                        if (results.size() < ef) {
                            results.push(~p);
                        } else {
                            results.replaceTop(~p);
                        }
                        bound = Packed.distance(~results.peek());
                    }
                }
            }
            if (visits > visitLimit) {
                s.visitCount = visits;
                return false;
            }
        }
        s.visitCount = visits;
        return true;
    }

    /**
     * Best {@code k} live nodes for {@code query}, nearest first, into the output arrays.
     *
     * @param filterCardinality how many nodes the filter accepts, or -1 if unknown (then it is
     *     estimated on a sample)
     * @param rescorer for int8: where to read float32 vectors to order the ef candidates by exact
     *     distance, or null to keep the approximate int8 distances
     * @return the number of results written (less than k only when fewer live nodes match)
     */
    int search(
            SearchScratch s,
            float[] query,
            int k,
            int ef,
            IntPredicate filter,
            int filterCardinality,
            VectorSource rescorer,
            int[] outNodes,
            float[] outDistances) {
        int n = count;
        long e = entry.get();
        if (n == 0 || e == EMPTY) {
            return 0;
        }
        setQuery(s, query);
        int live = n - deletedCount;
        ef = Math.max(ef, k);
        int visitLimit = Integer.MAX_VALUE;
        if (filter != null) {
            long accepted =
                    filterCardinality >= 0 ? filterCardinality : estimateAccepted(filter, n);
            if (accepted < (long) (exactSelectivity * live) || accepted <= k) {
                return exactSearch(s, k, filter, n, rescorer, outNodes, outDistances);
            }
            // Past this many distance computations a scan of the accepted nodes is cheaper.
            visitLimit = (int) Math.max(accepted, 4L * ef);
        }
        int ep = entryNode(e);
        float epDist = distance(s, ep);
        for (int lc = entryLevel(e); lc > 0; lc--) {
            long best = greedy(s, ep, epDist, lc, n);
            ep = Packed.node(best);
            epDist = Packed.distance(best);
        }
        if (!searchLayer(s, ep, epDist, ef, 0, filter, true, n, visitLimit)) {
            return exactSearch(s, k, filter, n, rescorer, outNodes, outDistances);
        }
        LongHeap results = s.results;
        if (rescorer != null && int8) {
            results = rescore(s, rescorer, k);
        }
        while (results.size() > k) {
            results.pop();
        }
        int found = results.size();
        for (int i = found - 1; i >= 0; i--) {
            long p = ~results.pop();
            outNodes[i] = Packed.node(p);
            outDistances[i] = Packed.distance(p);
        }
        return found;
    }

    /**
     * The best k of the ef results in {@code s} by exact distance from {@code rescorer}, in the
     * candidates heap (free once the layer search is done). Kept out of {@link #search} so that its
     * code stays small for the compiler.
     */
    private LongHeap rescore(SearchScratch s, VectorSource rescorer, int k) {
        LongHeap results = s.results;
        LongHeap exact = s.candidates;
        exact.clear();
        while (!results.isEmpty()) {
            int node = Packed.node(~results.pop());
            offer(exact, Packed.pack(sourceDistance(s, node, rescorer), node), k);
        }
        return exact;
    }

    /** Adds to a bounded max-heap of complements. */
    private static void offer(LongHeap maxHeap, long packed, int k) {
        if (maxHeap.size() < k) {
            maxHeap.push(~packed);
        } else if (packed < ~maxHeap.peek()) {
            maxHeap.replaceTop(~packed);
        }
    }

    /** Accepted share of 256 evenly spaced nodes, scaled to all n; cheap next to a search. */
    private static long estimateAccepted(IntPredicate filter, int n) {
        int samples = Math.min(n, 256);
        int hits = 0;
        for (int i = 0; i < samples; i++) {
            if (filter.test((int) ((long) i * n / samples))) {
                hits++;
            }
        }
        return (long) hits * n / samples;
    }

    /**
     * Scans every live node the filter accepts; exact distances for float32, and for int8 when a
     * source is given (approximate ones otherwise).
     */
    int exactSearch(
            SearchScratch s,
            int k,
            IntPredicate filter,
            int n,
            VectorSource rescorer,
            int[] outNodes,
            float[] outDistances) {
        LongHeap top = s.results;
        top.clear();
        boolean fromSource = int8 && rescorer != null;
        for (int node = 0; node < n; node++) {
            if (isDeleted(node) || (filter != null && !filter.test(node))) {
                continue;
            }
            float d = fromSource ? sourceDistance(s, node, rescorer) : distance(s, node);
            offer(top, Packed.pack(d, node), k);
        }
        int found = top.size();
        for (int i = found - 1; i >= 0; i--) {
            long p = ~top.pop();
            outNodes[i] = Packed.node(p);
            outDistances[i] = Packed.distance(p);
        }
        return found;
    }

    // ---------------------------------------------------------------- deletes

    /**
     * Tombstones a node and repairs the lists that pointed to it: each live neighbour that links to
     * it drops the link and re-selects, by the heuristic, among its other neighbours and the
     * deleted node's neighbours, so the region stays connected. The tombstone itself keeps its
     * lists and is still traversed by searches that reach it, but no new node links to it, and it
     * gives up the entry point to a live node. Writer only.
     */
    void delete(int node, SearchScratch s) {
        int p = node >>> store.pageShift;
        int i = node & store.pageMask;
        assert (store.info[p][i] & DELETED) == 0 : "node " + node + " deleted twice";
        store.info[p][i] |= (byte) DELETED;
        deletedCount = deletedCount + 1;
        if (entryNode(entry.get()) == node) {
            moveEntryOffTombstone();
        }
        s.ensureSelection(2 * maxConn0 + 2);
        int[] own = new int[maxConn0];
        for (int lc = level(node); lc >= 0; lc--) {
            int n = neighbours(node, lc, own);
            for (int j = 0; j < n; j++) {
                if (!isDeleted(own[j])) {
                    repair(own[j], lc, node, own, n, s);
                }
            }
        }
    }

    private void repair(
            int target, int level, int removed, int[] extra, int extraCount, SearchScratch s) {
        synchronized (lock(target)) {
            int[] list = list(target, level);
            int base = base(target, level);
            int n = list[base];
            boolean linked = false;
            for (int j = 1; j <= n; j++) {
                linked |= list[base + j] == removed;
            }
            if (!linked) {
                return;
            }
            long[] buf = s.sorted;
            int m = 0;
            for (int j = 1; j <= n; j++) {
                int c = list[base + j];
                if (c != removed && !isDeleted(c)) {
                    buf[m++] = Packed.pack(distanceBetween(target, c), c);
                }
            }
            int kept = m;
            for (int j = 0; j < extraCount; j++) {
                int c = extra[j];
                if (c == target || isDeleted(c) || contains(buf, kept, c)) {
                    continue;
                }
                buf[m++] = Packed.pack(distanceBetween(target, c), c);
            }
            Arrays.sort(buf, 0, m);
            int maxConn = level == 0 ? maxConn0 : this.m;
            int chosen;
            if (m <= maxConn) {
                for (int j = 0; j < m; j++) {
                    s.chosen[j] = Packed.node(buf[j]);
                }
                chosen = m;
            } else {
                chosen = selectNeighbours(buf, m, maxConn, s.chosen, s.chosenDistance, target);
            }
            writeList(target, level, s.chosen, chosen);
        }
    }

    private static boolean contains(long[] packed, int n, int node) {
        for (int j = 0; j < n; j++) {
            if (Packed.node(packed[j]) == node) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- state for serialization

    void restoreState(int count, int deletedCount, long entry) {
        this.deletedCount = deletedCount;
        this.entry.set(entry);
        this.count = count;
        // Snapshots from before tombstones gave up the entry point, or whose entry point was
        // deleted after the snapshot, start from a live node too.
        if (entry != EMPTY && isDeleted(entryNode(entry))) {
            moveEntryOffTombstone();
        }
    }

    /**
     * Makes the live node with the highest level (the lowest id among them) the entry point, or
     * leaves the graph without one when no node is live; the next insert then becomes it. A
     * tombstone must not stay the entry point: no new node links to it (see {@link #linkBelow}), so
     * its lists go stale, and a point linked while only the tombstone led to it (the first point
     * after the only one was deleted) kept no link from any live node. One pass over the node
     * levels, once per deleted entry point.
     */
    private void moveEntryOffTombstone() {
        int best = -1;
        int bestLevel = -1;
        int n = count;
        for (int node = 0; node < n; node++) {
            int info = store.info[node >>> store.pageShift][node & store.pageMask];
            if ((info & DELETED) == 0 && (info & LEVEL_MASK) > bestLevel) {
                best = node;
                bestLevel = info & LEVEL_MASK;
            }
        }
        entry.set(best < 0 ? EMPTY : packEntry(best, bestLevel));
    }

    /**
     * A read-only copy of the published graph as it is now, which later writes do not change; the
     * caller holds the index's writer lock, so no write is half done. Costs a copy of the lists
     * (see {@link PagedStore#frozenCopy}), a memory copy far shorter than serializing them.
     */
    HnswGraph frozenCopy() {
        int n = count;
        HnswGraph c =
                new HnswGraph(
                        metric,
                        dimension,
                        m,
                        efConstruction,
                        quantizer,
                        store.labels != null,
                        seed,
                        exactSelectivity,
                        kernels,
                        store.frozenCopy(n));
        c.restoreState(n, deletedCount, entry.get());
        return c;
    }

    long ramBytesUsed() {
        return store.ramBytesUsed() + 16L * LOCK_STRIPES + 64;
    }
}
