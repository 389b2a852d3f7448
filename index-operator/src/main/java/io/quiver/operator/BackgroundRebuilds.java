package io.quiver.operator;

import io.quiver.index.VectorIndex;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds collections' indexes off the task thread while the old index keeps serving searches and
 * taking writes: when an HNSW graph's tombstones pass {@link RebuildOptions}, or when a spec change
 * keeps the dimension and metric but changes the index (type, {@code m}, {@code ef_construction},
 * storage).
 *
 * <ol>
 *   <li>{@link #start} (task thread) registers the rebuild, then a background thread copies the
 *       collection's live points and builds a new index from them with the parallel bulk builder
 *       ({@link HnswIndex#addAll}).
 *   <li>Meanwhile the task thread applies every write to the old index as usual and notes the ids
 *       it touched ({@link #touched}).
 *   <li>{@link #swapFinished} (task thread) replays each noted id onto the new index from the live
 *       collection's current point (upsert, or delete when it is gone), swaps the index in at once
 *       and hands it to {@link GraphSnapshots}, which starts a fresh snapshot.
 * </ol>
 *
 * <p>Nothing durable depends on a rebuild: the records are untouched, so a failure or a restart
 * mid-rebuild only loses the work. Memory: a collection holds two indexes while it rebuilds. One
 * rebuild runs at a time per operator; others queue.
 */
final class BackgroundRebuilds {

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundRebuilds.class);

    private final IndexFactory indexFactory;
    private final RebuildOptions options;
    private final GraphSnapshots snapshots;
    private final IntConsumer setCurrentKey;
    private final int buildThreads;
    private final Map<Integer, Map<String, Rebuild>> running = new HashMap<>();
    private ExecutorService executor;
    private volatile int runningCount;
    private volatile long done;

    /** One collection of one shard being rebuilt. */
    private static final class Rebuild {
        final LiveShard shard;
        final String collection;
        final byte[] spec;
        final int defaultEf;
        final boolean specChange;
        final Set<String> touched = new HashSet<>();
        Future<VectorIndex> built;

        Rebuild(LiveShard shard, String collection, byte[] spec, int ef, boolean specChange) {
            this.shard = shard;
            this.collection = collection;
            this.spec = spec;
            this.defaultEf = ef;
            this.specChange = specChange;
        }
    }

    BackgroundRebuilds(
            IndexFactory indexFactory,
            RebuildOptions options,
            GraphSnapshots snapshots,
            IntConsumer setCurrentKey,
            int buildThreads) {
        this.indexFactory = indexFactory;
        this.options = options;
        this.snapshots = snapshots;
        this.setCurrentKey = setCurrentKey;
        this.buildThreads = buildThreads;
    }

    /**
     * Starts rebuilding {@code collection} of {@code shard} for {@code spec} (its current spec for
     * a tombstone rebuild, the new one for a spec change); a rebuild of it already running is
     * dropped first.
     */
    void start(
            int shardKey,
            LiveShard shard,
            LiveCollection collection,
            byte[] spec,
            boolean specChange) {
        cancel(shardKey, collection.name());
        CollectionSpec parsed = CollectionSpecs.decode(collection.name(), spec);
        Rebuild r =
                new Rebuild(shard, collection.name(), spec, parsed.getIndex().getEf(), specChange);
        if (executor == null) {
            executor =
                    Executors.newSingleThreadExecutor(
                            task -> {
                                Thread thread = new Thread(task, "quiver-graph-rebuild");
                                thread.setDaemon(true);
                                return thread;
                            });
        }
        r.built = executor.submit(() -> build(parsed, collection));
        running.computeIfAbsent(shardKey, k -> new HashMap<>()).put(collection.name(), r);
        runningCount++;
        LOG.debug(
                "shard {}: rebuilding collection '{}' in the background ({})",
                shard.shard(),
                collection.name(),
                specChange ? "index parameters changed" : "tombstones past the threshold");
    }

    /** Runs on the background thread. */
    private VectorIndex build(CollectionSpec spec, LiveCollection collection) {
        List<String> ids = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        collection.forEachPoint(
                (id, vector) -> {
                    ids.add(id);
                    vectors.add(vector);
                });
        VectorIndex index = indexFactory.createForBulkLoad(spec, buildThreads);
        if (index instanceof HnswIndex) {
            ((HnswIndex) index).addAll(vectors.toArray(new float[0][]), ids.toArray(new String[0]));
        } else {
            for (int i = 0; i < ids.size(); i++) {
                index.upsert(ids.get(i), vectors.get(i));
            }
        }
        return index;
    }

    /** Notes that {@code id} changed while its collection may be rebuilding; task thread. */
    void touched(int shardKey, String collection, String id) {
        if (runningCount == 0) {
            return;
        }
        Map<String, Rebuild> shard = running.get(shardKey);
        Rebuild r = shard == null ? null : shard.get(collection);
        if (r != null) {
            r.touched.add(id);
        }
    }

    /**
     * Drops a running rebuild of the collection (it was deleted or its spec changed again).
     *
     * @return whether a rebuild for a spec change was dropped
     */
    boolean cancel(int shardKey, String collection) {
        Map<String, Rebuild> shard = running.get(shardKey);
        Rebuild r = shard == null ? null : shard.remove(collection);
        if (r == null) {
            return false;
        }
        // The build cannot be interrupted midway; its result is simply never used.
        r.built.cancel(false);
        runningCount--;
        return r.specChange;
    }

    boolean running(int shardKey, String collection) {
        Map<String, Rebuild> shard = running.get(shardKey);
        return shard != null && shard.containsKey(collection);
    }

    /**
     * Starts a rebuild of every HNSW graph whose tombstones are past the threshold; task thread.
     */
    void checkTombstones(Map<Integer, LiveShard> owned) {
        for (Map.Entry<Integer, LiveShard> e : owned.entrySet()) {
            for (LiveCollection c : e.getValue().collections().values()) {
                if (!(c.index() instanceof HnswIndex) || running(e.getKey(), c.name())) {
                    continue;
                }
                HnswIndex index = (HnswIndex) c.index();
                if (options.due(index.nodeCount() - index.size(), index.nodeCount())) {
                    start(e.getKey(), e.getValue(), c, c.spec(), false);
                }
            }
        }
    }

    /** Replays and swaps in every finished rebuild; task thread. */
    void swapFinished() throws Exception {
        for (Map.Entry<Integer, Map<String, Rebuild>> shard : running.entrySet()) {
            for (Iterator<Rebuild> it = shard.getValue().values().iterator(); it.hasNext(); ) {
                Rebuild r = it.next();
                if (!r.built.isDone()) {
                    continue;
                }
                it.remove();
                runningCount--;
                VectorIndex next;
                try {
                    next = r.built.get();
                } catch (ExecutionException failed) {
                    // The old index keeps serving; a restart builds the spec's index from the
                    // records, and a tombstone rebuild is tried again at the next check.
                    LOG.warn(
                            "shard {}: background rebuild of collection '{}' failed",
                            r.shard.shard(),
                            r.collection,
                            failed.getCause());
                    continue;
                }
                setCurrentKey.accept(shard.getKey());
                swap(shard.getKey(), r, next);
            }
        }
    }

    private void swap(int shardKey, Rebuild r, VectorIndex next) throws Exception {
        LiveCollection live = r.shard.collection(r.collection);
        if (live == null) {
            return;
        }
        // The old index is snapshotted no more and the replay reads the live points: every write
        // must be linked first, or a queued op would land on the new index after the swap.
        live.awaitLinked();
        for (String id : r.touched) {
            float[] vector = live.vector(id);
            if (vector != null) {
                next.upsert(id, vector);
            } else {
                next.delete(id);
            }
        }
        live.replaceIndex(next, r.spec, r.defaultEf);
        if (next instanceof HnswIndex) {
            snapshots.rebuilt(shardKey, r.collection, (HnswIndex) next);
        }
        done++;
        LOG.debug(
                "shard {}: swapped in the rebuilt index of collection '{}' ({} ids replayed)",
                r.shard.shard(),
                r.collection,
                r.touched.size());
    }

    /** Whether every registered rebuild has finished building (swaps may be pending); for tests. */
    boolean allBuilt() {
        for (Map<String, Rebuild> shard : running.values()) {
            for (Rebuild r : shard.values()) {
                if (!r.built.isDone()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Rebuilds running or waiting for the background thread; safe from any thread. */
    int runningCount() {
        return runningCount;
    }

    /** Rebuilds swapped in since the operator started; safe from any thread. */
    long done() {
        return done;
    }

    /** Stops the background thread; a rebuild still running is dropped. */
    void close() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }
}
