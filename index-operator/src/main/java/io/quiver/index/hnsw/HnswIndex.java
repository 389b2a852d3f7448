package io.quiver.index.hnsw;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.VectorIndex;
import io.quiver.index.quant.ScalarQuantizer;
import io.quiver.index.vector.VectorKernels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/**
 * An HNSW index (Malkov and Yashunin) over float32 or int8 vectors, with string ids for the
 * operator ({@link VectorIndex}) and an int-id API for bulk loads, benchmarks and filters.
 *
 * <p>Parameters, named as in the paper:
 *
 * <ul>
 *   <li>{@code M}: links per node and level ({@code 2M} on level 0). More links raise recall and
 *       memory ({@code 8M} bytes per vector) and slow inserts; 16 suits most data, 32-48 for
 *       high-dimensional data that needs recall above 0.99.
 *   <li>{@code efConstruction}: candidates considered per insertion. Higher builds a better graph,
 *       linearly slower.
 *   <li>{@code ef}: candidates per search, at least {@code k}: the recall/latency knob.
 * </ul>
 *
 * <p>Threading: one writer at a time ({@link #upsert}, {@link #delete}, {@link #addAll}, {@link
 * #rebuild}, serialized by an internal lock); any number of concurrent searches, which take no
 * lock. {@link #addAll} links on {@code buildThreads} threads. {@link #writeTo} takes the lock only
 * for a memory copy and serializes after releasing it.
 *
 * <p>Deleted vectors stay in the graph as tombstones until {@link #rebuild()}; {@link
 * #deletedFraction()} tells when it is worth it.
 *
 * <p>int8 storage keeps only codes and graph. Searches rank candidates by int8 distance and, when a
 * {@link VectorSource} is attached ({@link #rescoreWith}), reorder the {@code ef} best by exact
 * float32 distance read from it; without a source the results and their distances are approximate.
 * The source is the caller's float32 copy (a shard's stored vectors), so a process holds one copy
 * of the floats, not one per index and another per shard. Until an int8 index without a quantizer
 * has its calibration sample it holds float32 vectors in the graph.
 */
public final class HnswIndex implements VectorIndex {

    /** Links per node and level; 16 is the paper's and hnswlib's usual choice. */
    public static final int DEFAULT_M = 16;

    /** Insertion candidates; 200 gets recall@10 above 0.95 at small ef on common data sets. */
    public static final int DEFAULT_EF_CONSTRUCTION = 200;

    /** Search candidates when the caller has no preference. */
    public static final int DEFAULT_EF = 100;

    /**
     * Filters accepting less than this share of the live nodes are answered by an exact scan of the
     * accepted nodes: graph search would visit most of the graph to find k of them.
     */
    public static final float DEFAULT_EXACT_SELECTIVITY = 0.02f;

    /** An int8 index without a quantizer calibrates once it holds this many vectors. */
    public static final int DEFAULT_CALIBRATION_SAMPLE = 1000;

    static final int MAX_M = 512;

    private final Builder config;
    private final ReentrantLock writeLock = new ReentrantLock();

    /** Shared by all indexes: a scratch works with any index, so a thread needs only one. */
    private static final ThreadLocal<SearchScratch> scratch =
            ThreadLocal.withInitial(SearchScratch::new);

    private final SearchScratch writerScratch = new SearchScratch();
    private final boolean withLabels;

    private volatile Generation current;
    private ScalarQuantizer quantizer;
    private volatile VectorSource vectorSource;

    /** A graph with the id map that belongs to it; swapped whole by {@link #rebuild()}. */
    static final class Generation {
        final HnswGraph graph;
        final Map<String, Integer> ids;

        Generation(HnswGraph graph, Map<String, Integer> ids) {
            this.graph = graph;
            this.ids = ids;
        }
    }

    private HnswIndex(Builder config, ScalarQuantizer quantizer) {
        this.config = config.copy();
        this.quantizer = quantizer;
        this.withLabels = config.withIds;
        this.current = new Generation(newGraph(quantizer), new HashMap<>());
    }

    /** Starts a builder; every other setting has a default. */
    public static Builder builder(int dimension, Metric metric) {
        return new Builder(dimension, metric);
    }

    HnswGraph newGraph(ScalarQuantizer q) {
        // An int8 index without a quantizer yet holds float32 until it has a calibration sample.
        boolean int8 = config.storage == Storage.INT8 && q != null;
        return new HnswGraph(
                config.metric,
                config.dimension,
                config.m,
                config.efConstruction,
                int8 ? q : null,
                withLabels,
                config.seed,
                config.exactSelectivity,
                config.kernels);
    }

    // ---------------------------------------------------------------- accessors

    @Override
    public int dimension() {
        return config.dimension;
    }

    @Override
    public Metric metric() {
        return config.metric;
    }

    public Storage storage() {
        return config.storage;
    }

    public int m() {
        return config.m;
    }

    public int efConstruction() {
        return config.efConstruction;
    }

    /** The quantizer of an int8 index, null before calibration or for float32. */
    public ScalarQuantizer quantizer() {
        return quantizer;
    }

    @Override
    public int size() {
        HnswGraph g = current.graph;
        return g.count() - g.deletedCount();
    }

    /** Internal ids handed out so far, tombstones included. */
    public int nodeCount() {
        return current.graph.count();
    }

    /** Share of tombstones among the graph's nodes; rebuild past ~0.3. */
    public double deletedFraction() {
        HnswGraph g = current.graph;
        int n = g.count();
        return n == 0 ? 0 : (double) g.deletedCount() / n;
    }

    @Override
    public long ramBytesUsed() {
        Generation gen = current;
        // HashMap entry (~48) + boxed Integer (16) per id; the Strings themselves (~40 + length).
        long idBytes = 0;
        if (withLabels) {
            idBytes = gen.ids.size() * 104L;
        }
        return gen.graph.ramBytesUsed() + idBytes;
    }

    /**
     * Attaches where an int8 index reads float32 vectors to rescore its candidates (see {@link
     * VectorSource}); null detaches it, and searches return approximate distances. Ignored by
     * float32 storage, which has exact distances already. Takes effect for searches that start
     * afterwards; {@link #compactCopy()} hands it on.
     */
    public void rescoreWith(VectorSource source) {
        this.vectorSource = source;
    }

    /** The attached {@link VectorSource}, or null. */
    public VectorSource vectorSource() {
        return vectorSource;
    }

    /** The source searches rescore from: none when rescoring is off. */
    private VectorSource rescorer() {
        return config.rescore ? vectorSource : null;
    }

    /**
     * A scratch for {@link #search(float[], int, int, IntPredicate, SearchScratch, int[],
     * float[])}.
     */
    public SearchScratch newScratch() {
        return new SearchScratch();
    }

    /** The string id of an internal id (null for nodes added without one). */
    public String idOf(int node) {
        HnswGraph g = current.graph;
        return withLabels ? g.label(node) : null;
    }

    // ---------------------------------------------------------------- writes

    @Override
    public void upsert(String id, float[] vector) {
        requireIds();
        if (id == null) {
            throw new IllegalArgumentException("id must not be null");
        }
        validate(vector);
        writeLock.lock();
        try {
            Generation gen = current;
            Integer old = gen.ids.get(id);
            if (old != null) {
                gen.graph.delete(old, writerScratch);
                gen.graph.publish(gen.graph.count());
            }
            int node = insert(gen.graph, vector, id);
            gen.ids.put(id, node);
            maybeCalibrate();
        } finally {
            writeLock.unlock();
        }
    }

    /** Adds a vector without a string id; returns its internal id. */
    public int add(float[] vector) {
        validate(vector);
        writeLock.lock();
        try {
            int node = insert(current.graph, vector, null);
            maybeCalibrate();
            return node;
        } finally {
            writeLock.unlock();
        }
    }

    private int insert(HnswGraph g, float[] vector, String id) {
        int node = g.count();
        g.reserve(node, vector, 0, id, writerScratch);
        g.publish(node + 1);
        g.link(node, writerScratch);
        return node;
    }

    @Override
    public boolean delete(String id) {
        requireIds();
        writeLock.lock();
        try {
            Generation gen = current;
            Integer node = gen.ids.remove(id);
            if (node == null) {
                return false;
            }
            gen.graph.delete(node, writerScratch);
            // The volatile write publishes the tombstone to every search that starts after.
            gen.graph.publish(gen.graph.count());
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    /** Deletes by internal id; returns false if it was already deleted. */
    public boolean deleteNode(int node) {
        writeLock.lock();
        try {
            Generation gen = current;
            HnswGraph g = gen.graph;
            if (node < 0 || node >= g.count()) {
                throw new IllegalArgumentException(
                        "node " + node + " is not in [0, " + g.count() + ")");
            }
            if (g.isDeleted(node)) {
                return false;
            }
            if (withLabels && g.label(node) != null) {
                gen.ids.remove(g.label(node));
            }
            g.delete(node, writerScratch);
            g.publish(g.count());
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Bulk load: writes all vectors, then links them on {@code buildThreads} threads. Searches may
     * run meanwhile and see the new vectors as they get linked.
     *
     * @param ids string ids (required when the index has ids; must be new), or null
     * @return the internal id of the first vector; the others follow in order
     */
    public int addAll(float[][] vectors, String[] ids) {
        if (withLabels && ids == null) {
            throw new IllegalArgumentException("this index has string ids: pass ids to addAll");
        }
        if (ids != null && ids.length != vectors.length) {
            throw new IllegalArgumentException(
                    ids.length + " ids for " + vectors.length + " vectors");
        }
        for (float[] v : vectors) {
            validate(v);
        }
        writeLock.lock();
        try {
            if (config.storage == Storage.INT8 && quantizer == null) {
                calibrate(vectors);
            }
            Generation gen = current;
            HnswGraph g = gen.graph;
            int first = g.count();
            g.store.ensureCapacity(first + vectors.length);
            for (int i = 0; i < vectors.length; i++) {
                String id = ids == null ? null : ids[i];
                if (id != null) {
                    Integer old = gen.ids.put(id, first + i);
                    if (old != null) {
                        g.delete(old, writerScratch);
                    }
                }
                g.reserve(first + i, vectors[i], 0, withLabels ? id : null, writerScratch);
            }
            g.publish(first + vectors.length);
            linkAll(g, first, first + vectors.length, config.buildThreads);
            return first;
        } finally {
            writeLock.unlock();
        }
    }

    private void linkAll(HnswGraph g, int from, int to, int threads) {
        ParallelLinker.link(g, from, to, threads, writerScratch);
    }

    /** Calibration looks at no more than this many components (evenly spaced vectors). */
    private static final int CALIBRATION_COMPONENTS = 1 << 22;

    private void calibrate(float[][] extra) {
        HnswGraph g = current.graph;
        int dim = config.dimension;
        int[] live = new int[g.count() - g.deletedCount()];
        int existing = 0;
        for (int node = 0; node < g.count(); node++) {
            if (!g.isDeleted(node)) {
                live[existing++] = node;
            }
        }
        int total = existing + extra.length;
        int take = Math.max(1, Math.min(total, CALIBRATION_COMPONENTS / dim));
        float[] flat = new float[take * dim];
        float[] normalized = writerScratch.queryBuffer(dim);
        for (int i = 0; i < take; i++) {
            int pick = (int) ((long) i * total / take);
            if (pick < existing) {
                // Stored floats are already normalized for cosine.
                int node = live[pick];
                int p = node >>> g.store.pageShift;
                int off = (node & g.store.pageMask) * dim;
                System.arraycopy(g.store.vectors[p], off, flat, i * dim, dim);
            } else if (config.metric == Metric.COSINE) {
                HnswGraph.normalize(extra[pick - existing], 0, normalized, dim);
                System.arraycopy(normalized, 0, flat, i * dim, dim);
            } else {
                System.arraycopy(extra[pick - existing], 0, flat, i * dim, dim);
            }
        }
        quantizer = ScalarQuantizer.calibrate(flat, take, dim);
        current = copyLive(current, newGraph(quantizer));
    }

    private void maybeCalibrate() {
        if (config.storage == Storage.INT8
                && quantizer == null
                && size() >= config.calibrationSample) {
            calibrate(new float[0][]);
        }
    }

    /**
     * Builds a fresh graph of the live vectors (no tombstones, ids renumbered densely in their old
     * order) on {@code buildThreads} threads and swaps it in. Searches keep using the old graph
     * until the swap; writers wait. To keep writers going, use {@link #compactCopy()} instead.
     */
    public void rebuild() {
        writeLock.lock();
        try {
            current = copyLive(current, newGraph(quantizer));
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * A new, compact index of the live vectors, for a rebuild in the background: the vectors are
     * copied under the writer lock (a memory copy), the graph is linked after releasing it, so this
     * index keeps taking writes meanwhile. The caller swaps the copy in and replays the writes that
     * arrived since the call.
     */
    public HnswIndex compactCopy() {
        HnswIndex copy = new HnswIndex(config, quantizer);
        copy.vectorSource = vectorSource;
        HnswGraph to = copy.newGraph(quantizer);
        Map<String, Integer> ids;
        writeLock.lock();
        try {
            ids = reserveLive(current.graph, to);
        } finally {
            writeLock.unlock();
        }
        copy.linkAll(to, 0, to.count(), config.buildThreads);
        copy.current = new Generation(to, ids);
        return copy;
    }

    private Generation copyLive(Generation from, HnswGraph to) {
        Map<String, Integer> ids = reserveLive(from.graph, to);
        linkAll(to, 0, to.count(), config.buildThreads);
        return new Generation(to, ids);
    }

    /** Copies the live nodes of {@code g} into {@code to} and publishes them, unlinked. */
    private Map<String, Integer> reserveLive(HnswGraph g, HnswGraph to) {
        Map<String, Integer> ids = new HashMap<>();
        int n = g.count();
        to.store.ensureCapacity(n - g.deletedCount());
        int next = 0;
        boolean sameCoding = g.int8 == to.int8;
        for (int node = 0; node < n; node++) {
            if (g.isDeleted(node)) {
                continue;
            }
            String label = withLabels ? g.label(node) : null;
            if (sameCoding) {
                to.reserveCopy(next, g, node, label);
            } else {
                // float32 holding area to int8: quantize the (already normalized) floats.
                int p = node >>> g.store.pageShift;
                int off = (node & g.store.pageMask) * config.dimension;
                to.reserve(next, g.store.vectors[p], off, label, writerScratch);
            }
            if (label != null) {
                ids.put(label, next);
            }
            next++;
        }
        to.publish(next);
        return ids;
    }

    // ---------------------------------------------------------------- search

    @Override
    public SearchHits search(float[] query, int k, int ef, Predicate<String> filter) {
        requireIds();
        validateSearch(query, k, ef);
        HnswGraph g = current.graph;
        SearchScratch s = scratch.get();
        int[] nodes = new int[k];
        float[] distances = new float[k];
        IntPredicate nodeFilter = filter == null ? null : node -> filter.test(g.label(node));
        int found = g.search(s, query, k, ef, nodeFilter, -1, rescorer(), nodes, distances);
        String[] ids = new String[found];
        float[] scores = new float[found];
        for (int i = 0; i < found; i++) {
            ids[i] = g.label(nodes[i]);
            scores[i] = config.metric.score(distances[i]);
        }
        return new SearchHits(ids, scores);
    }

    /**
     * Searches by internal ids into caller-owned arrays, allocating nothing once the scratch is
     * warm.
     *
     * @param filter accepts internal ids, or null
     * @param outNodes receives up to k internal ids, nearest first
     * @param outDistances receives their internal distances (see {@link Metric})
     * @return how many results were written
     */
    public int search(
            float[] query,
            int k,
            int ef,
            IntPredicate filter,
            SearchScratch scratch,
            int[] outNodes,
            float[] outDistances) {
        validateSearch(query, k, ef);
        if (outNodes.length < k || outDistances.length < k) {
            throw new IllegalArgumentException(
                    "output arrays hold "
                            + Math.min(outNodes.length, outDistances.length)
                            + " results, k is "
                            + k);
        }
        return current.graph.search(
                scratch, query, k, ef, filter, -1, rescorer(), outNodes, outDistances);
    }

    /**
     * Like {@link #search(float[], int, int, IntPredicate, SearchScratch, int[], float[])} with the
     * number of ids the filter accepts known, which decides exact versus graph search directly.
     */
    public int search(
            float[] query,
            int k,
            int ef,
            IntPredicate filter,
            int filterCardinality,
            SearchScratch scratch,
            int[] outNodes,
            float[] outDistances) {
        validateSearch(query, k, ef);
        return current.graph.search(
                scratch,
                query,
                k,
                ef,
                filter,
                filterCardinality,
                rescorer(),
                outNodes,
                outDistances);
    }

    /**
     * Exact top-k over every live vector (the reference for recall); for int8, exact only with a
     * {@link VectorSource} attached.
     */
    public int exactSearch(
            float[] query, int k, IntPredicate filter, int[] outNodes, float[] outDistances) {
        validateSearch(query, k, k);
        HnswGraph g = current.graph;
        return g.search(
                scratch.get(),
                query,
                k,
                k,
                filter == null ? n -> true : filter,
                0,
                vectorSource,
                outNodes,
                outDistances);
    }

    // ---------------------------------------------------------------- validation

    private void requireIds() {
        if (!withLabels) {
            throw new IllegalStateException(
                    "this index was built without string ids (Builder.withIds(false))");
        }
    }

    private void validate(float[] vector) {
        if (vector == null) {
            throw new IllegalArgumentException("vector must not be null");
        }
        if (vector.length != config.dimension) {
            throw new IllegalArgumentException(
                    "vector has "
                            + vector.length
                            + " dimensions, index expects "
                            + config.dimension);
        }
        double norm = 0;
        for (int i = 0; i < vector.length; i++) {
            float x = vector[i];
            if (!Float.isFinite(x)) {
                throw new IllegalArgumentException(
                        "vector component " + i + " is " + x + ": components must be finite");
            }
            norm += x * x;
        }
        if (config.metric == Metric.COSINE && norm == 0) {
            throw new IllegalArgumentException(
                    "vector is all zeros: cosine similarity needs a non-zero vector");
        }
    }

    private void validateSearch(float[] query, int k, int ef) {
        if (k <= 0) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        if (ef <= 0) {
            throw new IllegalArgumentException("ef must be positive, got " + ef);
        }
        validate(query);
    }

    // ---------------------------------------------------------------- serialization

    /**
     * Writes the whole index (configuration, vectors, graph, ids) in format version {@value
     * HnswFormat#VERSION} with checksums, as it was when the call took the writer lock. The lock is
     * held only for a memory copy of the neighbour lists and node flags ({@link
     * HnswGraph#frozenCopy}); serializing and writing happen after it is released, so searches and
     * writes go on meanwhile. Transient heap: about {@code 8M + 5} bytes per node.
     */
    public void writeTo(OutputStream out) throws IOException {
        write(out, false);
    }

    /**
     * Like {@link #writeTo}, but leaves out the float32 vectors of live points with string ids
     * (format version 2): the caller keeps them anyway (a shard's records) and hands them back to
     * {@link #readFrom(InputStream, int, VectorSource)}. Saves {@code 4 * dimension} bytes per live
     * point. An index without ids or float vectors is written whole, in version 1.
     */
    public void writeGraphTo(OutputStream out) throws IOException {
        write(out, true);
    }

    private void write(OutputStream out, boolean externalVectors) throws IOException {
        HnswGraph frozen;
        writeLock.lock();
        try {
            frozen = current.graph.frozenCopy();
        } finally {
            writeLock.unlock();
        }
        HnswFormat.write(this, frozen, out, externalVectors);
    }

    /** Reads an index written by {@link #writeTo}, building later on every available core. */
    public static HnswIndex readFrom(InputStream in) throws IOException {
        return readFrom(in, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Reads an index written by {@link #writeTo} or {@link #writeGraphTo}; {@code vectors} gives,
     * by string id, the vector as written of each live point the latter left out. A point it has no
     * vector for is read as deleted.
     *
     * @throws IOException when the bytes are corrupt (a {@link CorruptIndexException}), or when
     *     they need vectors and {@code vectors} is null
     */
    public static HnswIndex readFrom(InputStream in, int buildThreads, VectorSource vectors)
            throws IOException {
        return HnswFormat.read(in, buildThreads, vectors);
    }

    /**
     * Reads an index written by {@link #writeTo}. Corrupt or truncated bytes throw {@link
     * CorruptIndexException} naming what is wrong; an index is never returned from bad bytes.
     *
     * @param buildThreads threads for later bulk loads and rebuilds
     */
    public static HnswIndex readFrom(InputStream in, int buildThreads) throws IOException {
        return HnswFormat.read(in, buildThreads, null);
    }

    Builder config() {
        return config;
    }

    /** The current graph, for tests that check its structure. */
    HnswGraph graph() {
        return current.graph;
    }

    /** Used by the reader: an index around a graph it has filled. */
    static HnswIndex restored(Builder config, ScalarQuantizer q, HnswGraph graph) {
        HnswIndex index = new HnswIndex(config, q);
        Map<String, Integer> ids = new HashMap<>();
        if (config.withIds) {
            for (int node = 0; node < graph.count(); node++) {
                if (!graph.isDeleted(node) && graph.label(node) != null) {
                    ids.put(graph.label(node), node);
                }
            }
        }
        index.current = new Generation(graph, ids);
        return index;
    }

    /**
     * Configures an {@link HnswIndex}; {@link #build()} validates everything with a message naming
     * the bad value.
     */
    public static final class Builder {
        final int dimension;
        final Metric metric;
        int m = DEFAULT_M;
        int efConstruction = DEFAULT_EF_CONSTRUCTION;
        Storage storage = Storage.FLOAT32;
        boolean rescore = true;
        ScalarQuantizer quantizer;
        long seed = 42;
        int buildThreads = Runtime.getRuntime().availableProcessors();
        float exactSelectivity = DEFAULT_EXACT_SELECTIVITY;
        int calibrationSample = DEFAULT_CALIBRATION_SAMPLE;
        boolean withIds = true;
        VectorKernels kernels = VectorKernels.get();

        private Builder(int dimension, Metric metric) {
            this.dimension = dimension;
            this.metric = metric;
        }

        Builder copy() {
            Builder b = new Builder(dimension, metric);
            b.m = m;
            b.efConstruction = efConstruction;
            b.storage = storage;
            b.rescore = rescore;
            b.quantizer = quantizer;
            b.seed = seed;
            b.buildThreads = buildThreads;
            b.exactSelectivity = exactSelectivity;
            b.calibrationSample = calibrationSample;
            b.withIds = withIds;
            b.kernels = kernels;
            return b;
        }

        /** Links per node and level (level 0 gets 2M); at least 2. */
        public Builder m(int m) {
            this.m = m;
            return this;
        }

        /** Candidates per insertion; at least 1, usually 100-400. */
        public Builder efConstruction(int efConstruction) {
            this.efConstruction = efConstruction;
            return this;
        }

        public Builder storage(Storage storage) {
            this.storage = storage;
            return this;
        }

        /**
         * int8 only: order each result list by exact float32 distance read from the index's {@link
         * VectorSource} when one is attached (default). Off, searches skip the source and return
         * int8 distances: a little faster, a little less recall.
         */
        public Builder rescore(boolean rescore) {
            this.rescore = rescore;
            return this;
        }

        /** int8 only: a calibrated quantizer; without one the index calibrates on its data. */
        public Builder quantizer(ScalarQuantizer quantizer) {
            this.quantizer = quantizer;
            return this;
        }

        /** Seed of the level draw; the same seed and insertion order give the same graph. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Threads for {@link HnswIndex#addAll} and {@link HnswIndex#rebuild()}. */
        public Builder buildThreads(int buildThreads) {
            this.buildThreads = buildThreads;
            return this;
        }

        /** See {@link HnswIndex#DEFAULT_EXACT_SELECTIVITY}. */
        public Builder exactSelectivity(float exactSelectivity) {
            this.exactSelectivity = exactSelectivity;
            return this;
        }

        /** int8 without a quantizer: vectors to collect before calibrating. */
        public Builder calibrationSample(int calibrationSample) {
            this.calibrationSample = calibrationSample;
            return this;
        }

        /**
         * Whether vectors carry string ids (the {@link VectorIndex} API). Without them the index
         * saves the id map and is used through internal ids only.
         */
        public Builder withIds(boolean withIds) {
            this.withIds = withIds;
            return this;
        }

        /** The distance kernels; {@link VectorKernels#get()} unless testing. */
        public Builder kernels(VectorKernels kernels) {
            this.kernels = kernels;
            return this;
        }

        public HnswIndex build() {
            if (dimension <= 0) {
                throw new IllegalArgumentException("dimension must be positive, got " + dimension);
            }
            if (metric == null) {
                throw new IllegalArgumentException("metric must not be null");
            }
            if (m < 2 || m > MAX_M) {
                throw new IllegalArgumentException(
                        "M must be between 2 and " + MAX_M + ", got " + m);
            }
            if (efConstruction < 1) {
                throw new IllegalArgumentException(
                        "efConstruction must be positive, got " + efConstruction);
            }
            if (storage == null) {
                throw new IllegalArgumentException("storage must not be null");
            }
            if (buildThreads < 1) {
                throw new IllegalArgumentException(
                        "buildThreads must be positive, got " + buildThreads);
            }
            if (!(exactSelectivity >= 0f && exactSelectivity <= 1f)) {
                throw new IllegalArgumentException(
                        "exactSelectivity must be in [0, 1], got " + exactSelectivity);
            }
            if (calibrationSample < 1) {
                throw new IllegalArgumentException(
                        "calibrationSample must be positive, got " + calibrationSample);
            }
            if (kernels == null) {
                throw new IllegalArgumentException("kernels must not be null");
            }
            if (storage == Storage.FLOAT32 && quantizer != null) {
                throw new IllegalArgumentException("a quantizer needs storage INT8");
            }
            return new HnswIndex(this, storage == Storage.INT8 ? quantizer : null);
        }
    }
}
