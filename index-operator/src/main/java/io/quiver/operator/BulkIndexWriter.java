package io.quiver.operator;

import io.quiver.index.VectorIndex;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.operator.snapshot.GraphSnapshot;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;

/**
 * Writes one collection's points into the index operator's keyed state the way the operator itself
 * would have, for a bulk load that ends in a savepoint (see {@code docs/state-layout.md}): every
 * point goes to {@code records} as it arrives; at the end each shard's HNSW graph is built at once
 * with the parallel bulk builder ({@link HnswIndex#addAll}) and written as its first graph
 * snapshot, with an empty delta log, so the streaming job that starts from the savepoint loads the
 * graphs instead of building them.
 *
 * <p>Not thread-safe: one instance per operator subtask, called from its task thread. Memory: every
 * vector of the subtask's shards is held on heap until {@link #finish}, as the build needs them.
 */
public final class BulkIndexWriter {

    /** Gives the writer the keyed states it fills, under the operator's state names. */
    @FunctionalInterface
    public interface StateAccess {
        <K, V> MapState<K, V> mapState(MapStateDescriptor<K, V> descriptor) throws Exception;
    }

    /** The snapshot epoch of a bulk-built graph: the first, as for a new collection. */
    static final long BULK_EPOCH = 1;

    private final String collection;
    private final byte[] spec;
    private final CollectionSpec parsed;
    private final IndexFactory indexFactory;
    private final int buildThreads;
    private final MapState<String, StoredRecord> records;
    private final MapState<String, byte[]> specs;
    private final MapState<String, byte[]> headers;
    private final MapState<String, byte[]> chunks;
    private final Map<Integer, Points> byShard = new LinkedHashMap<>();
    private long recordsWritten;
    private volatile long vectorsIndexed;

    /** The points of one shard, in arrival order; a repeated id keeps its last vector. */
    private static final class Points {
        final Map<String, float[]> vectors = new LinkedHashMap<>();
    }

    /**
     * @param spec the collection's spec as on the collections topic
     * @param buildThreads threads each shard's graph is linked on
     */
    public BulkIndexWriter(
            String collection,
            byte[] spec,
            IndexFactory indexFactory,
            int buildThreads,
            StateAccess state)
            throws Exception {
        this.collection = collection;
        this.spec = spec;
        this.parsed = CollectionSpecs.decode(collection, spec);
        this.indexFactory = indexFactory;
        this.buildThreads = buildThreads;
        this.records = state.mapState(IndexOperator.recordsDescriptor());
        this.specs = state.mapState(IndexOperator.specsDescriptor());
        this.headers = state.mapState(GraphSnapshots.headersDescriptor());
        this.chunks = state.mapState(GraphSnapshots.chunksDescriptor());
    }

    /**
     * Stores one point of shard key {@code shardKey}, the current key of the state. {@code
     * position} is kept as the record's offset (its partition is -1: it came from no topic).
     */
    public void add(int shardKey, String id, float[] vector, byte[] payload, long position)
            throws Exception {
        add(shardKey, id, vector, payload, ShardOp.NO_VERSION, -1, position);
    }

    /**
     * Stores one point read from a topic, keeping its version and source position as the index
     * operator would ({@code partition} -1 when it came from no topic).
     */
    public void add(
            int shardKey,
            String id,
            float[] vector,
            byte[] payload,
            long version,
            int partition,
            long offset)
            throws Exception {
        Points points = byShard.get(shardKey);
        if (points == null) {
            points = new Points();
            byShard.put(shardKey, points);
            specs.put(collection, spec);
        }
        records.put(
                ShardWriter.storeKey(collection, id),
                new StoredRecord(vector, payload, version, partition, offset));
        points.vectors.put(id, vector);
        recordsWritten++;
    }

    /**
     * Builds every shard's index and, for HNSW, writes its graph snapshot; {@code setCurrentKey}
     * switches the state to a shard key.
     */
    public void finish(IntConsumer setCurrentKey) throws Exception {
        for (Map.Entry<Integer, Points> e : byShard.entrySet()) {
            setCurrentKey.accept(e.getKey());
            VectorIndex index = indexFactory.createForBulkLoad(parsed, buildThreads);
            if (!(index instanceof HnswIndex)) {
                // Flat collections keep no graph state: the restore fills them from the records.
                vectorsIndexed += e.getValue().vectors.size();
                continue;
            }
            List<String> ids = new ArrayList<>(e.getValue().vectors.keySet());
            float[][] vectors = e.getValue().vectors.values().toArray(new float[0][]);
            e.getValue().vectors.clear();
            ((HnswIndex) index).addAll(vectors, ids.toArray(new String[0]));
            GraphSnapshot snapshot =
                    GraphSnapshot.write((HnswIndex) index, BULK_EPOCH, GraphSnapshot.CHUNK_BYTES);
            for (int i = 0; i < snapshot.chunks().size(); i++) {
                chunks.put(
                        GraphSnapshots.chunkKey(collection, BULK_EPOCH, i),
                        snapshot.chunks().get(i));
            }
            headers.put(collection, snapshot.header().toBytes());
            vectorsIndexed += vectors.length;
        }
        byShard.clear();
    }

    /**
     * The index operator's per-shard {@code applied} state: upserts-topic partition to the highest
     * offset applied (inclusive), as its offset markers leave it.
     */
    public static MapStateDescriptor<Integer, Long> appliedOffsetsDescriptor() {
        return IndexOperator.appliedDescriptor();
    }

    /** Points stored so far. */
    public long recordsWritten() {
        return recordsWritten;
    }

    /** Points whose shard's index is built; safe to read from any thread. */
    public long vectorsIndexed() {
        return vectorsIndexed;
    }

    /** Shards that received points. */
    public int shards() {
        return byShard.size();
    }
}
