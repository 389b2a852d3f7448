package io.quiver.operator;

import io.quiver.index.VectorIndex;
import io.quiver.index.hnsw.CorruptIndexException;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.index.hnsw.VectorSource;
import io.quiver.operator.snapshot.GraphSnapshot;
import io.quiver.operator.snapshot.SnapshotHeader;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores one shard from keyed state, the current key being the shard's: creates its collections
 * from the specs; loads each HNSW collection's graph snapshot (chunks checked against the header's
 * checksum) and replays its delta log from the records; rebuilds every other HNSW collection from
 * the records with the parallel bulk builder (logged once per shard); fills flat collections one
 * record at a time, as they have no snapshot.
 */
final class ShardRestore {

    private static final Logger LOG = LoggerFactory.getLogger(ShardRestore.class);

    /** What one shard's restore did, for the operator's log line and metrics. */
    record Result(long records, int fromSnapshot, long replayed, int rebuilt) {}

    private final IndexFactory indexFactory;
    private final MapState<String, StoredRecord> records;
    private final MapState<String, byte[]> specs;
    private final GraphSnapshots snapshots;
    private final int buildThreads;

    ShardRestore(
            IndexFactory indexFactory,
            MapState<String, StoredRecord> records,
            MapState<String, byte[]> specs,
            GraphSnapshots snapshots,
            int buildThreads) {
        this.indexFactory = indexFactory;
        this.records = records;
        this.specs = specs;
        this.snapshots = snapshots;
        this.buildThreads = buildThreads;
    }

    Result restore(int shardKey, LiveShard shard) throws Exception {
        for (Map.Entry<String, byte[]> e : specs.entries()) {
            shard.putCollection(ShardWriter.newCollection(indexFactory, e.getKey(), e.getValue()));
        }
        Map<String, Long> epochs = new HashMap<>();
        Map<String, String> rebuilt = new TreeMap<>();
        Set<String> badSnapshots = new HashSet<>();
        for (LiveCollection c : new ArrayList<>(shard.collections().values())) {
            if (!(c.index() instanceof HnswIndex)) {
                continue;
            }
            String name = c.name();
            try {
                HnswIndex loaded = load(name, c.index());
                if (loaded != null) {
                    shard.putCollection(new LiveCollection(name, c.spec(), c.defaultEf(), loaded));
                    epochs.put(
                            name, SnapshotHeader.fromBytes(snapshots.headers().get(name)).epoch());
                    continue;
                }
                rebuilt.put(name, "no snapshot");
            } catch (IOException | IllegalArgumentException e) {
                rebuilt.put(name, e.getMessage());
                badSnapshots.add(name);
            }
            VectorIndex bulk =
                    indexFactory.createForBulkLoad(
                            CollectionSpecs.decode(name, c.spec()), buildThreads);
            shard.putCollection(new LiveCollection(name, c.spec(), c.defaultEf(), bulk));
        }

        long count = 0;
        Map<String, List<String>> bulkIds = new HashMap<>();
        Map<String, List<float[]>> bulkVectors = new HashMap<>();
        for (Map.Entry<String, StoredRecord> e : records.entries()) {
            String name = ShardWriter.collectionOf(e.getKey());
            LiveCollection c = shard.collection(name);
            StoredRecord r = e.getValue();
            if (c == null || c.index().dimension() != r.vector.length) {
                continue;
            }
            count++;
            String id = ShardWriter.idOf(e.getKey());
            if (epochs.containsKey(name)) {
                c.putPoint(id, r.vector, r.payload);
            } else if (rebuilt.containsKey(name)) {
                c.putPoint(id, r.vector, r.payload);
                bulkIds.computeIfAbsent(name, k -> new ArrayList<>()).add(id);
                bulkVectors.computeIfAbsent(name, k -> new ArrayList<>()).add(r.vector);
            } else {
                c.upsert(id, r.vector, r.payload);
            }
        }
        // An empty collection has nothing to rebuild; only a bad snapshot is worth reporting.
        rebuilt.entrySet()
                .removeIf(
                        e ->
                                !bulkIds.containsKey(e.getKey())
                                        && !badSnapshots.contains(e.getKey()));
        for (Map.Entry<String, List<String>> e : bulkIds.entrySet()) {
            HnswIndex index = (HnswIndex) shard.collection(e.getKey()).index();
            index.addAll(
                    bulkVectors.get(e.getKey()).toArray(new float[0][]),
                    e.getValue().toArray(new String[0]));
        }

        Map<String, Long> deltaIds = new HashMap<>();
        Map<String, Long> maxTag = new HashMap<>();
        long replayed = 0;
        for (Map.Entry<String, Long> e : snapshots.delta().entries()) {
            String name = ShardWriter.collectionOf(e.getKey());
            deltaIds.merge(name, 1L, Long::sum);
            maxTag.merge(name, e.getValue(), Math::max);
            if (!epochs.containsKey(name)) {
                continue; // rebuilt from the records, which already hold every op
            }
            VectorIndex index = shard.collection(name).index();
            String id = ShardWriter.idOf(e.getKey());
            StoredRecord r = records.get(e.getKey());
            if (r != null && r.vector.length == index.dimension()) {
                index.upsert(id, r.vector);
            } else {
                index.delete(id);
            }
            replayed++;
        }

        for (LiveCollection c : shard.collections().values()) {
            if (!(c.index() instanceof HnswIndex)) {
                continue;
            }
            String name = c.name();
            long epoch = epochs.getOrDefault(name, -1L);
            long next = Math.max(epoch, maxTag.getOrDefault(name, 0L)) + 1;
            HnswIndex index = (HnswIndex) c.index();
            if (epoch >= 0) {
                snapshots.track(
                        shardKey, name, index, epoch, next, deltaIds.getOrDefault(name, 0L), false);
            } else {
                snapshots.track(shardKey, name, index, -1, next, index.size(), true);
            }
        }
        if (!rebuilt.isEmpty()) {
            String message = "shard {}: rebuilt HNSW graphs from the records with {} threads: {}";
            if (!badSnapshots.isEmpty()) {
                LOG.warn(message, shard.shard(), buildThreads, rebuilt);
            } else {
                LOG.info(message, shard.shard(), buildThreads, rebuilt);
            }
        }
        return new Result(count, epochs.size(), replayed, rebuilt.size());
    }

    /** The collection's snapshot, or null when it has none; throws when it is unusable. */
    private HnswIndex load(String name, VectorIndex expected) throws Exception {
        byte[] headerBytes = snapshots.headers().get(name);
        if (headerBytes == null) {
            return null;
        }
        SnapshotHeader header = SnapshotHeader.fromBytes(headerBytes);
        List<byte[]> chunks = new ArrayList<>(header.chunkCount());
        for (int i = 0; i < header.chunkCount(); i++) {
            chunks.add(snapshots.chunks().get(GraphSnapshots.chunkKey(name, header.epoch(), i)));
        }
        // Later writes come one at a time on the task thread, as for a fresh index. Live points'
        // vectors come from the records (the snapshot leaves them out); a point missing there was
        // deleted after the snapshot and is read as a tombstone.
        String prefix = ShardWriter.storeKey(name, "");
        VectorSource fromRecords =
                (node, id, dst) -> {
                    StoredRecord r;
                    try {
                        r = records.get(prefix + id);
                    } catch (Exception e) {
                        throw new IllegalStateException("reading record '" + id + "'", e);
                    }
                    if (r == null || r.vector.length != expected.dimension()) {
                        return false;
                    }
                    System.arraycopy(r.vector, 0, dst, 0, r.vector.length);
                    return true;
                };
        HnswIndex index = GraphSnapshot.read(header, chunks, 1, fromRecords);
        HnswIndex spec = (HnswIndex) expected;
        if (index.dimension() != spec.dimension()
                || index.metric() != spec.metric()
                || index.storage() != spec.storage()
                || index.m() != spec.m()
                || index.efConstruction() != spec.efConstruction()) {
            throw new CorruptIndexException(
                    "snapshot " + header.epoch() + " does not match the collection's index spec");
        }
        return index;
    }
}
