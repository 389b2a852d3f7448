package io.quiver.shard;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.VectorIndex;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.index.hnsw.Storage;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.RerankPolicy;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.text.PayloadText;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * One collection's searchable data inside one shard: its index and, by id, each point's vector as
 * written and its payload (so a search, a point lookup or a count can answer without touching Flink
 * state, which is not thread-safe).
 *
 * <p>Memory: payloads are kept on heap as their UTF-8 JSON bytes, at most 64 KiB each, and vectors
 * as written (the index may hold another, normalized or quantized, form); a collection costs its
 * vectors and payloads once more on heap than RocksDB holds durably. An int8 {@link HnswIndex}
 * keeps only codes and graph and rescores its candidates from these vectors (it is handed them as
 * its {@link io.quiver.index.hnsw.VectorSource} here), so a shard holds one float32 copy of each
 * vector, not two.
 *
 * <p>The index task thread writes, shard server threads read. A reader may see a point's new vector
 * in the index a moment before its stored vector and payload change (or the other way round); each
 * is consistent on its own.
 *
 * <p>Linking: without a link lane every write links its point into the index before it returns.
 * With one ({@link #linkOn}, what the index operator uses) a write updates the stored vector,
 * payload and term statistics at once, so {@link #search}, {@link #exactSearch}, {@link #count} and
 * the point lookups see it when the write returns, and queues the index op; the lane links it on a
 * background thread. {@link #search} scores the not-yet-linked points exactly and merges them with
 * the index's hits. {@link #index()} alone lags behind the writes until {@link #awaitLinked}.
 *
 * <p>The index can be swapped whole ({@link #replaceIndex}, after a background rebuild) while
 * searches run: a search reads the index once and finishes on the graph it started with; dimension
 * and metric never change across a swap.
 *
 * <p>When its spec's {@code rerank_policy.method} is {@code bm25} it also keeps the BM25 {@link
 * TermStatistics} of the payload text field the policy names (default {@value
 * PayloadText#DEFAULT_FIELD}), updated with every write. Any other collection keeps none, so its
 * writes never parse a payload for text. A spec that turns bm25 on, or names another field, builds
 * the table from the payloads held here (the points a restore put back, plus every write since);
 * one that turns it off drops the table.
 */
public final class LiveCollection {

    private static final String BM25 = "bm25";

    /** What is kept per live point besides the index. */
    private record Point(float[] vector, byte[] payload) {}

    private final String name;
    private volatile byte[] spec;
    private volatile int defaultEf;
    private volatile VectorIndex index;
    private final Map<String, Point> points = new ConcurrentHashMap<>();
    private final int maxTerms;
    private volatile TermStatistics termStats;
    private volatile LinkLane lane;

    /**
     * @param defaultEf the search candidate list size used when a request leaves {@code ef} at 0
     */
    public LiveCollection(String name, byte[] spec, int defaultEf, VectorIndex index) {
        this(name, spec, defaultEf, index, TermStatistics.DEFAULT_MAX_TERMS);
    }

    /**
     * @param defaultEf the search candidate list size used when a request leaves {@code ef} at 0
     * @param maxTerms the most distinct terms its {@link TermStatistics} keep
     */
    public LiveCollection(
            String name, byte[] spec, int defaultEf, VectorIndex index, int maxTerms) {
        this.name = name;
        this.maxTerms = maxTerms;
        String field = bm25Field(name, spec);
        this.termStats = field == null ? null : new TermStatistics(field, maxTerms);
        this.spec = spec;
        this.defaultEf = defaultEf;
        this.index = index;
        if (index instanceof HnswIndex && ((HnswIndex) index).storage() == Storage.INT8) {
            ((HnswIndex) index).rescoreWith(this::readVector);
        }
    }

    /**
     * The index's rescoring source. A point upserted while a search runs may be rescored with its
     * new vector for that one search (the stored vector and the index change a moment apart).
     */
    private boolean readVector(int node, String id, float[] dst) {
        Point p = id == null ? null : points.get(id);
        if (p == null) {
            return false;
        }
        System.arraycopy(p.vector(), 0, dst, 0, p.vector().length);
        return true;
    }

    public String name() {
        return name;
    }

    /** The collection spec as JSON bytes (as on the collections topic). */
    public byte[] spec() {
        return spec;
    }

    /** Replaces the spec after a change that keeps the index valid (same dimension and kind). */
    public void setSpec(byte[] spec, int defaultEf) {
        this.spec = spec;
        this.defaultEf = defaultEf;
        followRerankPolicy(spec);
    }

    /**
     * The payload field whose term statistics a spec needs: its rerank policy's text field when the
     * policy's method is {@code bm25}, else null (also for a spec this side cannot read: the writer
     * refuses those before they get here).
     */
    static String bm25Field(String name, byte[] spec) {
        CollectionSpec parsed;
        try {
            parsed = CollectionSpecs.decode(name, spec);
        } catch (RuntimeException e) {
            return null;
        }
        RerankPolicy policy = parsed.getRerankPolicy();
        return policy != null && BM25.equals(policy.getMethod()) ? PayloadText.field(parsed) : null;
    }

    /**
     * Writer only: keeps the term statistics the spec needs. A table that starts now (bm25 turned
     * on, or another field) is counted from the payloads held here, the same counting a restore
     * does point by point, so it is exact at once: O(points) payload reads on the writer's thread,
     * once per such spec change, instead of a table that stays unknown until the next restart.
     */
    private void followRerankPolicy(byte[] spec) {
        String field = bm25Field(name, spec);
        TermStatistics current = termStats;
        if (field == null) {
            termStats = null;
            return;
        }
        if (current != null && field.equals(current.field())) {
            return;
        }
        TermStatistics rebuilt = new TermStatistics(field, maxTerms);
        for (Point p : points.values()) {
            rebuilt.add(p.payload());
        }
        termStats = rebuilt;
    }

    /**
     * The BM25 statistics of the collection's text field in this shard, or null when its rerank
     * policy is not bm25 (no statistics are kept then).
     */
    public TermStatistics termStats() {
        return termStats;
    }

    /** The collection's {@code ef} for searches that do not choose one. */
    public int defaultEf() {
        return defaultEf;
    }

    public VectorIndex index() {
        return index;
    }

    /**
     * Writer only: swaps in {@code next}, which must already hold every live point, together with
     * the spec it was built for. Searches that started on the old index finish on it.
     *
     * @throws IllegalArgumentException when {@code next} has another dimension or metric
     */
    public void replaceIndex(VectorIndex next, byte[] spec, int defaultEf) {
        if (next.dimension() != index.dimension() || next.metric() != index.metric()) {
            throw new IllegalArgumentException(
                    "collection '"
                            + name
                            + "' cannot swap a "
                            + index.dimension()
                            + "-d "
                            + index.metric()
                            + " index for a "
                            + next.dimension()
                            + "-d "
                            + next.metric()
                            + " one");
        }
        this.spec = spec;
        this.defaultEf = defaultEf;
        this.index = next;
        followRerankPolicy(spec);
    }

    /**
     * Visits every live point's id and vector as written (do not modify). Safe from any thread
     * while the writer goes on: points written meanwhile may or may not be visited, every other
     * point is visited once.
     */
    public void forEachPoint(BiConsumer<String, float[]> visitor) {
        for (Map.Entry<String, Point> e : points.entrySet()) {
            visitor.accept(e.getKey(), e.getValue().vector());
        }
    }

    /** The payload of {@code id}, or null. */
    public byte[] payload(String id) {
        Point p = points.get(id);
        return p == null ? null : p.payload();
    }

    /** The vector of {@code id} as written, or null when the point is absent; do not modify. */
    public float[] vector(String id) {
        Point p = points.get(id);
        return p == null ? null : p.vector();
    }

    /**
     * The ids whose current payload passes {@code filter}, for {@link VectorIndex#search}. A point
     * upserted while a search runs may be judged by its previous payload for that one search.
     */
    public Predicate<String> passing(PayloadFilter filter) {
        return id -> filter.test(payload(id));
    }

    /**
     * The exact top {@code k} for {@code query}: every live point whose payload passes {@code
     * filter} (all when null) scored with its float32 vector as written, in the index's metric
     * ({@link Metric#score}'s units), best first, ties by id. O(points × dimension); the index is
     * not used, so the answer does not depend on its parameters or on quantization.
     */
    public SearchHits exactSearch(float[] query, int k, PayloadFilter filter) {
        Metric metric = index.metric();
        float selfDot = ExactScores.selfDot(metric, query);
        TopHits top = new TopHits(metric, k, false);
        for (Map.Entry<String, Point> e : points.entrySet()) {
            Point p = e.getValue();
            if (filter != null && !filter.test(p.payload())) {
                continue;
            }
            top.add(e.getKey(), ExactScores.score(metric, query, selfDot, p.vector()));
        }
        return top.hits();
    }

    /**
     * The best {@code k} live points for {@code query} whose payload passes {@code filter} (all
     * when null), in the index's metric ({@link Metric#score}'s units), best first.
     *
     * <p>Every write whose call returned before the search started is seen: a point not yet linked
     * into the index (its id masked on the link lane) is skipped in the index and scored exactly
     * with its vector as written, then merged with the index's hits, one hit per id. So a deleted
     * point is never returned, an updated one is scored with its new vector, and an unlinked one
     * costs one exact distance per search (O(unlinked × dimension)). With nothing unlinked this is
     * the index's own search.
     *
     * @param ef the index's candidate list size
     */
    public SearchHits search(float[] query, int k, int ef, PayloadFilter filter) {
        VectorIndex idx = index;
        LinkLane l = lane;
        if (l == null || !l.anyMasked()) {
            return idx.search(query, k, ef, filter == null ? null : passing(filter));
        }
        // Ids masked after this copy were written after the search started; ids unmasked after
        // it are in the index already, whose search runs after the copy.
        Set<String> masked = l.maskedIds();
        if (masked.isEmpty()) {
            return idx.search(query, k, ef, filter == null ? null : passing(filter));
        }
        // Most masked ids are new points the graph does not hold yet, so the graph is searched as
        // it is; only when a masked id is among its hits (an update or delete still queued, whose
        // graph state is stale) is it searched again with the masked ids kept out of its traversal.
        SearchHits linked = idx.search(query, k, ef, filter == null ? null : passing(filter));
        if (anyIn(linked, masked)) {
            Predicate<String> accept =
                    filter == null
                            ? id -> !masked.contains(id)
                            : id -> !masked.contains(id) && filter.test(payload(id));
            linked = idx.search(query, k, ef, accept);
        }
        Metric metric = idx.metric();
        // An id unmasked during the copy may come from both sides; its scores agree.
        TopHits top = new TopHits(metric, k, true);
        for (int i = 0; i < linked.size(); i++) {
            top.add(linked.id(i), linked.score(i));
        }
        float selfDot = ExactScores.selfDot(metric, query);
        for (String id : masked) {
            Point p = points.get(id);
            if (p != null && (filter == null || filter.test(p.payload()))) {
                top.add(id, ExactScores.score(metric, query, selfDot, p.vector()));
            }
        }
        return top.hits();
    }

    private static boolean anyIn(SearchHits hits, Set<String> ids) {
        for (int i = 0; i < hits.size(); i++) {
            if (ids.contains(hits.id(i))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The exact number of live points whose payload passes {@code filter} (every point when null).
     * Runs over all points: O(n) payload reads with a filter.
     */
    public long count(PayloadFilter filter) {
        if (filter == null) {
            return points.size();
        }
        long n = 0;
        for (Point p : points.values()) {
            if (filter.test(p.payload())) {
                n++;
            }
        }
        return n;
    }

    /**
     * Writer only. {@code vector} is kept as given: the caller must not modify it afterwards. With
     * a link lane ({@link #linkOn}) the point is searchable when this returns and linked into the
     * index later; it may block while the lanes are full.
     */
    public void upsert(String id, float[] vector, byte[] payload) {
        if (lane == null) {
            index.upsert(id, vector);
            recount(points.put(id, new Point(vector, payload)), payload);
        } else {
            upsertAll(new String[] {id}, new float[][] {vector}, new byte[][] {payload});
        }
    }

    /** Moves the term statistics (if kept) from a point's previous payload to its new one. */
    private void recount(Point previous, byte[] payload) {
        TermStatistics stats = termStats;
        if (stats == null) {
            return;
        }
        if (previous != null) {
            stats.remove(previous.payload());
        }
        stats.add(payload);
    }

    /**
     * Writer only: {@link #upsert} of each point, as one batch. An HNSW index links them in one
     * {@link HnswIndex#addAll} (once an int8 index is calibrated); ids must be distinct, and the
     * caller must not modify the arrays afterwards.
     */
    public void upsertAll(String[] ids, float[][] vectors, byte[][] payloads) {
        LinkLane l = lane;
        if (l == null) {
            link(index, ids, vectors);
            for (int i = 0; i < ids.length; i++) {
                recount(points.put(ids[i], new Point(vectors[i], payloads[i])), payloads[i]);
            }
            return;
        }
        l.reserve(ids.length);
        for (int i = 0; i < ids.length; i++) {
            long seq = l.mask(ids[i]);
            recount(points.put(ids[i], new Point(vectors[i], payloads[i])), payloads[i]);
            l.add(ids[i], vectors[i], seq);
        }
        l.schedule();
    }

    /** Puts distinct {@code ids} into {@code target}, as one group when the index allows it. */
    static void link(VectorIndex target, String[] ids, float[][] vectors) {
        if (target instanceof HnswIndex
                && (((HnswIndex) target).storage() == Storage.FLOAT32
                        || ((HnswIndex) target).quantizer() != null)) {
            // Calibrating on whatever batch comes first would fix an int8 quantizer on too few
            // points, so an uncalibrated index takes its points one by one until it has a sample.
            ((HnswIndex) target).addAll(vectors, ids);
        } else {
            for (int i = 0; i < ids.length; i++) {
                target.upsert(ids[i], vectors[i]);
            }
        }
    }

    /**
     * Writer only, at restore: records a point's vector and payload for an index that already holds
     * it (one loaded from a graph snapshot or filled by a bulk load).
     */
    public void putPoint(String id, float[] vector, byte[] payload) {
        recount(points.put(id, new Point(vector, payload)), payload);
    }

    /**
     * Writer only. With a link lane the point stops being found when this returns and leaves the
     * index later; it may block while the lanes are full.
     */
    public void delete(String id) {
        LinkLane l = lane;
        Point previous;
        if (l == null) {
            index.delete(id);
            previous = points.remove(id);
        } else {
            l.reserve(1);
            long seq = l.mask(id);
            previous = points.remove(id);
            l.add(id, null, seq);
            l.schedule();
        }
        TermStatistics stats = termStats;
        if (previous != null && stats != null) {
            stats.remove(previous.payload());
        }
    }

    /**
     * Writer only, once: from now on writes make points searchable at once and queue their index
     * ops on a lane of {@code lanes}, which links them in the background; until then (and without
     * it) every write links into the index before it returns.
     */
    public void linkOn(LinkLanes lanes) {
        if (lane != null) {
            throw new IllegalStateException(
                    "collection '" + name + "' already links on its own lane");
        }
        lane = new LinkLane(this, lanes);
    }

    /**
     * Writer only: waits until every write so far is in the index (at once without a lane), so the
     * index can be snapshotted, replayed onto or swapped.
     *
     * @throws IllegalStateException when linking failed (in this or another collection)
     */
    public void awaitLinked() {
        LinkLane l = lane;
        if (l != null) {
            l.lanes().await(l);
        }
    }

    /**
     * Writer only: a wait for the writes made so far, to run on any thread: it returns once every
     * one of them is in the index (later writes may be too), at once without a lane. Lets a graph
     * snapshot be cut off the writer's thread while the writer goes on.
     *
     * <p>The wait throws {@link IllegalStateException} when linking failed (in this or another
     * collection) or it was interrupted.
     */
    public Runnable linkedSoFar() {
        LinkLane l = lane;
        if (l == null) {
            return () -> {};
        }
        long mark = l.lanes().reservedSoFar(l);
        return () -> l.lanes().awaitLinked(l, mark);
    }

    /** Ids written but not yet linked into the index (searched by exact scan meanwhile). */
    public int unlinked() {
        LinkLane l = lane;
        return l == null ? 0 : l.maskedCount();
    }

    /** Live points, whether linked into the index yet or not. */
    public int size() {
        return points.size();
    }

    /** Heap bytes of the index plus the stored vectors and payloads and the term statistics. */
    public long ramBytesUsed() {
        TermStatistics stats = termStats;
        long bytes = index.ramBytesUsed() + (stats == null ? 0 : stats.ramBytesUsed());
        for (Point p : points.values()) {
            bytes += 16 + 4L * p.vector().length + 16 + 48 + 16;
            if (p.payload() != null) {
                bytes += 16 + p.payload().length;
            }
        }
        return bytes;
    }
}
