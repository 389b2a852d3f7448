package io.quiver.operator;

import io.quiver.index.hnsw.HnswIndex;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import io.quiver.shard.TermStatistics;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The index operator's Flink metrics, one set per subtask, shown in the dashboard and over REST as
 * {@code <subtask>.index.<name>} (the operator is named "index"). Counters and the ingest meter are
 * updated on the task thread; the search histogram is fed from shard server threads through {@link
 * LiveShard#observeSearches}; gauges are read on Flink's metric threads.
 */
final class IndexMetrics {

    /** Live vectors over the subtask's shards and collections (gauge). */
    static final String VECTORS = "vectors";

    /** Upserts applied (counter). */
    static final String UPSERTS = "upserts";

    /** Deletes applied: points removed from the records and the index (counter). */
    static final String DELETES = "deletes";

    /** Writes ignored because the stored record carries a newer version (counter). */
    static final String STALE_WRITES = "staleWrites";

    /** Upserts dropped because their collection is gone or changed dimension (counter). */
    static final String REJECTED_OPS = "rejectedOps";

    /** Upserts plus deletes applied per second, over the last minute (meter). */
    static final String INGEST_RATE = "ingestRate";

    /** Searches answered by the subtask's shards (gauge). */
    static final String SEARCHES = "searches";

    /** Searches per second, over the last minute (meter). */
    static final String SEARCH_RATE = "searchRate";

    /** Time one shard spends on one search, in microseconds (histogram). */
    static final String SEARCH_LATENCY = "searchLatencyMicros";

    /**
     * Milliseconds from an upsert's or delete's Kafka record timestamp (set by the producer, or by
     * the broker for a topic with {@code message.timestamp.type=LogAppendTime}) to the moment the
     * write is searchable in its shard; over the last {@link #LATENCY_WINDOW} writes (histogram).
     * It covers broker, source, decode and the shuffle; what it leaves out of produce-to-searchable
     * is the producer's own batching and the query path.
     */
    static final String APPLY_LAG = "applyLagMs";

    /**
     * Milliseconds a searchable write waited on its collection's link lane until its index op was
     * done (the point linked into or removed from the graph); over the last {@link #LATENCY_WINDOW}
     * ops (histogram). Searches score such points exactly meanwhile.
     */
    static final String LINK_LAG = "linkLagMs";

    /**
     * Writes that are searchable but not yet linked into their index, over the subtask's
     * collections (gauge); at most {@code quiver.ingest.max-unlinked}.
     */
    static final String UNLINKED_OPS = "unlinkedOps";

    /** Milliseconds the last restore from a checkpoint or savepoint took; 0 for none (gauge). */
    static final String RESTORE_DURATION = "restoreDurationMs";

    /** Records put back into the indexes by the last restore (gauge). */
    static final String RESTORED_RECORDS = "restoredRecords";

    /** Approximate heap bytes of the subtask's in-heap indexes, payloads excluded (gauge). */
    static final String INDEX_HEAP_BYTES = "indexHeapBytes";

    /** Bytes of the last graph snapshot written (gauge). */
    static final String LAST_SNAPSHOT_BYTES = "lastGraphSnapshotBytes";

    /** Graph snapshots written into state since the subtask started (gauge). */
    static final String SNAPSHOTS_WRITTEN = "graphSnapshots";

    /**
     * Ids in the delta logs of the subtask's HNSW collections, as of the last checkpoint (gauge).
     */
    static final String DELTA_LOG_LENGTH = "deltaLogLength";

    /**
     * Graph snapshots that were due by the checkpoint count but waited because their collection was
     * under heavy ingest (gauge).
     */
    static final String SNAPSHOTS_DEFERRED = "graphSnapshotsDeferred";

    /** HNSW graphs the last restore loaded from snapshots, replaying their delta logs (gauge). */
    static final String GRAPHS_FROM_SNAPSHOT = "graphsRestoredFromSnapshot";

    /** HNSW graphs the last restore rebuilt from the records (no or a bad snapshot) (gauge). */
    static final String GRAPHS_REBUILT = "graphsRebuiltAtRestore";

    /** Tombstones (deleted or replaced vectors) in the subtask's HNSW graphs (gauge). */
    static final String TOMBSTONES = "tombstones";

    /**
     * Distinct terms the BM25 term tables of the subtask's collections hold, summed over shards and
     * collections (gauge): about 100 bytes each plus the term.
     */
    static final String BM25_TERMS = "bm25Terms";

    /**
     * BM25 term tables (one per shard and collection) that reached their limit and count no new
     * terms (gauge); searches with a term they miss use candidate-set IDF.
     */
    static final String BM25_FULL_TABLES = "bm25FullTermTables";

    /** Background index rebuilds running or queued (gauge). */
    static final String REBUILDS_RUNNING = "rebuildsRunning";

    /** Background index rebuilds swapped in since the subtask started (gauge). */
    static final String REBUILDS_DONE = "rebuildsDone";

    /** Shards this subtask owns (gauge). */
    static final String SHARDS = "shards";

    /**
     * Searches kept for the latency quantiles: enough for stable p99s, and small enough that the
     * copy-and-sort Flink does per metrics fetch stays cheap.
     */
    static final int LATENCY_WINDOW = 2048;

    /** Meters average over the last minute, as Flink's own per-second rates do. */
    static final int RATE_SECONDS = 60;

    /**
     * Heap bytes are summed at most this often: the flat index walks its ids under its read lock,
     * which should not happen on every dashboard refresh.
     */
    static final long HEAP_BYTES_REFRESH_MILLIS = 5_000;

    final Counter upserts;
    final Counter deletes;
    final Counter staleWrites;
    final Counter rejectedOps;
    final Meter ingestRate;
    final Histogram searchLatencyMicros;
    final Histogram applyLagMs;
    final Histogram linkLagMs;

    private final MetricGroup group;
    private final Collection<LiveShard> shards;
    private volatile long restoreMillis;
    private volatile long restoredRecords;
    private volatile int graphsFromSnapshot;
    private volatile int graphsRebuilt;
    private long heapBytes;
    private long heapBytesAtMillis;

    private IndexMetrics(MetricGroup group, Collection<LiveShard> shards) {
        this.group = group;
        this.shards = shards;
        upserts = group.counter(UPSERTS);
        deletes = group.counter(DELETES);
        staleWrites = group.counter(STALE_WRITES);
        rejectedOps = group.counter(REJECTED_OPS);
        ingestRate = group.meter(INGEST_RATE, new MeterView(RATE_SECONDS));
        searchLatencyMicros =
                group.histogram(SEARCH_LATENCY, new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
        applyLagMs = group.histogram(APPLY_LAG, new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
        linkLagMs = group.histogram(LINK_LAG, new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
        Gauge<Long> searches = group.gauge(SEARCHES, this::searchCount);
        group.meter(SEARCH_RATE, new MeterView(searches));
        group.gauge(VECTORS, this::vectorCount);
        group.gauge(RESTORE_DURATION, () -> restoreMillis);
        group.gauge(RESTORED_RECORDS, () -> restoredRecords);
        group.gauge(INDEX_HEAP_BYTES, this::indexHeapBytes);
        group.gauge(SHARDS, shards::size);
        group.gauge(GRAPHS_FROM_SNAPSHOT, () -> graphsFromSnapshot);
        group.gauge(GRAPHS_REBUILT, () -> graphsRebuilt);
        group.gauge(TOMBSTONES, this::tombstones);
        group.gauge(BM25_TERMS, () -> termTables(false));
        group.gauge(BM25_FULL_TABLES, () -> termTables(true));
    }

    /**
     * Registers every metric on {@code group} and hooks the search histogram into {@code shards}.
     * The collection must not change afterwards: gauges iterate it from metric threads.
     */
    static IndexMetrics register(MetricGroup group, Collection<LiveShard> shards) {
        IndexMetrics metrics = new IndexMetrics(group, shards);
        for (LiveShard shard : shards) {
            shard.observeSearches(metrics::searchTook);
        }
        return metrics;
    }

    /** Registers the graph snapshot gauges. */
    void snapshots(GraphSnapshots snapshots) {
        group.gauge(LAST_SNAPSHOT_BYTES, snapshots::lastSnapshotBytes);
        group.gauge(SNAPSHOTS_WRITTEN, snapshots::snapshotsWritten);
        group.gauge(DELTA_LOG_LENGTH, snapshots::deltaLengthSeen);
        group.gauge(SNAPSHOTS_DEFERRED, snapshots::snapshotsDeferred);
    }

    /** Registers the background rebuild gauges. */
    void rebuilds(BackgroundRebuilds rebuilds) {
        group.gauge(REBUILDS_RUNNING, rebuilds::runningCount);
        group.gauge(REBUILDS_DONE, rebuilds::done);
    }

    /** Registers the gauge of ops waiting on the link lanes. */
    void linking(Gauge<Integer> unlinked) {
        group.gauge(UNLINKED_OPS, unlinked);
    }

    /** One index op done on a link lane after waiting {@code millis}; any thread. */
    void linked(long millis) {
        linkLagMs.update(millis);
    }

    /** One upsert or delete applied. */
    void applied(Counter kind) {
        kind.inc();
        ingestRate.markEvent();
    }

    /**
     * A write whose record carried {@code timestamp} became searchable at {@code nowMillis}; writes
     * without a timestamp are not counted. A producer clock ahead of this one counts as 0.
     */
    void searchable(long timestamp, long nowMillis) {
        if (timestamp > 0) { // NO_TIMESTAMP is negative
            applyLagMs.update(Math.max(0, nowMillis - timestamp));
        }
    }

    /** Records the restore that brought {@code records} records back in {@code millis} ms. */
    void restored(long records, long millis) {
        restoredRecords = records;
        restoreMillis = millis;
    }

    /** Records how the last restore brought the HNSW graphs back. */
    void restoredGraphs(int fromSnapshot, int rebuilt) {
        graphsFromSnapshot = fromSnapshot;
        graphsRebuilt = rebuilt;
    }

    long restoreMillis() {
        return restoreMillis;
    }

    long restoredRecords() {
        return restoredRecords;
    }

    private void searchTook(long nanos) {
        searchLatencyMicros.update(TimeUnit.NANOSECONDS.toMicros(nanos));
    }

    private long vectorCount() {
        long n = 0;
        for (LiveShard s : shards) {
            n += s.vectorCount();
        }
        return n;
    }

    private long tombstones() {
        long n = 0;
        for (LiveShard s : shards) {
            for (LiveCollection c : s.collections().values()) {
                if (c.index() instanceof HnswIndex) {
                    HnswIndex index = (HnswIndex) c.index();
                    n += Math.max(0, index.nodeCount() - index.size());
                }
            }
        }
        return n;
    }

    /** Distinct terms over the subtask's term tables, or (when {@code full}) the full tables. */
    private long termTables(boolean full) {
        long n = 0;
        for (LiveShard s : shards) {
            for (LiveCollection c : s.collections().values()) {
                TermStatistics t = c.termStats();
                if (t != null) {
                    n += full ? (t.full() ? 1 : 0) : t.terms();
                }
            }
        }
        return n;
    }

    private long searchCount() {
        long n = 0;
        for (LiveShard s : shards) {
            n += s.searches();
        }
        return n;
    }

    private synchronized long indexHeapBytes() {
        long now = System.currentTimeMillis();
        if (now - heapBytesAtMillis >= HEAP_BYTES_REFRESH_MILLIS) {
            long bytes = 0;
            for (LiveShard s : shards) {
                for (LiveCollection c : s.collections().values()) {
                    bytes += c.index().ramBytesUsed();
                }
            }
            heapBytes = bytes;
            heapBytesAtMillis = now;
        }
        return heapBytes;
    }
}
