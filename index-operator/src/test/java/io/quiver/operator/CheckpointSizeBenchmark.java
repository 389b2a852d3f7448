package io.quiver.operator;

import io.quiver.operator.snapshot.SnapshotOptions;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.shard.ShardServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * Checkpoint sizes of one shard's HNSW collection on RocksDB with incremental checkpoints: the
 * checkpoint that carries a full graph snapshot against the checkpoints of steady ingest, which
 * carry only the changed records and the delta log, at a moderate and at a heavy ingest rate (the
 * latter defers the count-based rewrite). Sizes are Flink's own {@code checkpointedSize} of the
 * operator's state handles (what the REST API reports as {@code checkpointed_size}).
 *
 * <p>Arguments: {@code [vectors=20000] [dimension=32] [ops per checkpoint=200]}. CSV to stdout:
 * {@code checkpoint,phase,ops_per_s,snapshots_written,checkpointed_bytes}; the summary (median
 * steady size over the full-snapshot checkpoint's size) to stderr. Not part of the test suite.
 */
public final class CheckpointSizeBenchmark {

    private static final int SHARDS = 1;
    private static final int MAX_PARALLELISM = 128;
    private static final int KEY = new ShardKeys(SHARDS, MAX_PARALLELISM).keyOf(0);

    private final KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> h;
    private final Random random = new Random(11);
    private final int dim;
    private long checkpoint;
    private long now;

    private CheckpointSizeBenchmark(int dim) throws Exception {
        this.dim = dim;
        h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new IndexOperator(SHARDS, MAX_PARALLELISM, IndexFactory.defaults()),
                        op -> op.shardKey,
                        Types.INT,
                        MAX_PARALLELISM,
                        1,
                        0);
        EmbeddedRocksDBStateBackend backend = new EmbeddedRocksDBStateBackend(true);
        backend.getMemoryConfiguration().setUseManagedMemory(false);
        h.setStateBackend(backend);
        h.setCheckpointStorage(new JobManagerCheckpointStorage(1 << 30));
        h.getEnvironment().getJobConfiguration().set(SnapshotOptions.EVERY_CHECKPOINTS, 5);
        h.open();
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int ops = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        ShardServer.acquire("127.0.0.1", 0);
        try {
            new CheckpointSizeBenchmark(dim).run(n, ops);
        } finally {
            ShardServer.release();
        }
    }

    private void run(int n, int ops) throws Exception {
        byte[] spec =
                ("{\"name\":\"bench\",\"dimension\":"
                                + dim
                                + ",\"metric\":\"l2\",\"index\":{\"type\":\"hnsw\"}}")
                        .getBytes(StandardCharsets.UTF_8);
        h.processElement(new StreamRecord<>(ShardOp.collection(KEY, "bench", spec)));
        System.out.println("checkpoint,phase,ops_per_s,snapshots_written,checkpointed_bytes");
        upserts(0, n);
        long load = checkpoint("load", 0, 10_000);
        // The load's snapshot is committed now and lands in the next checkpoint.
        long full = checkpoint("full-snapshot", 0, 1_000);
        List<Long> steady = new ArrayList<>();
        List<Long> heavy = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            // `ops` upserts per second: a one-second checkpoint interval.
            upserts(random.nextInt(n), ops);
            steady.add(checkpoint("steady", ops, 1_000));
        }
        for (int i = 0; i < 10; i++) {
            // 300 ops in about 0.2 s: above the heavy-ingest rate; the delta stays in its bound.
            upserts(random.nextInt(n), 300);
            heavy.add(checkpoint("heavy", 1_400, 10));
        }
        System.err.printf(
                Locale.ROOT,
                "checkpoint sizes: load %d B, with a full graph snapshot %d B; steady ingest (%d"
                        + " ops/s) median %d B (%.3f of the full one, max %d B when the count rule"
                        + " rewrote the graph); heavy ingest median %d B (%.3f), max %d B, %d"
                        + " rewrites deferred%n",
                load,
                full,
                ops,
                median(steady),
                (double) median(steady) / full,
                Collections.max(steady),
                median(heavy),
                (double) median(heavy) / full,
                Collections.max(heavy),
                ((IndexOperator) h.getOperator()).snapshots().snapshotsDeferred());
        h.close();
    }

    /** Upserts {@code count} points starting at id {@code from} (updates when they exist). */
    private void upserts(int from, int count) throws Exception {
        for (int i = from; i < from + count; i++) {
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = random.nextFloat();
            }
            h.processElement(
                    new StreamRecord<>(
                            ShardOp.upsert(
                                    KEY, "bench", "p" + i, v, null, ShardOp.NO_VERSION, 0, i)));
        }
    }

    /**
     * Takes a checkpoint {@code millis} of processing time after the previous one, waits for a
     * graph serialization it starts and commits it, and returns the checkpoint's size.
     */
    private long checkpoint(String phase, int rate, long millis) throws Exception {
        IndexOperator op = (IndexOperator) h.getOperator();
        now += millis;
        h.setProcessingTime(now);
        long id = ++checkpoint;
        h.prepareSnapshotPreBarrier(id);
        OperatorSubtaskState state = h.snapshot(id, now);
        h.notifyOfCompletedCheckpoint(id);
        while (!op.snapshots().idle()) {
            Thread.sleep(5);
        }
        // The status timer commits a finished serialization into state for the next checkpoint.
        now += 1;
        h.setProcessingTime(now + IndexOperator.STATUS_INTERVAL_MILLIS);
        now += IndexOperator.STATUS_INTERVAL_MILLIS;
        long bytes = state.getCheckpointedSize();
        System.out.printf(
                Locale.ROOT,
                "%d,%s,%d,%d,%d%n",
                id,
                phase,
                rate,
                op.snapshots().snapshotsWritten(),
                bytes);
        return bytes;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
