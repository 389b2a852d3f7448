package io.quiver.operator;

import io.quiver.operator.snapshot.SnapshotOptions;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.shard.ShardServer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.storage.JobManagerCheckpointStorage;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/**
 * Restore time of one shard's HNSW collection from its graph snapshot plus a delta log, against a
 * rebuild from the records with the parallel builder, both through the operator on RocksDB.
 *
 * <p>Arguments: {@code [vectors=50000] [dimension=32] [delta share=0.02]}. Prints one line per
 * figure; not part of the test suite.
 */
public final class RestoreBenchmark {

    private static final int SHARDS = 1;
    private static final int MAX_PARALLELISM = 128;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        double deltaShare = args.length > 2 ? Double.parseDouble(args[2]) : 0.02;
        int key = new ShardKeys(SHARDS, MAX_PARALLELISM).keyOf(0);
        byte[] spec =
                ("{\"name\":\"bench\",\"dimension\":"
                                + dim
                                + ",\"metric\":\"l2\",\"index\":{\"type\":\"hnsw\"}}")
                        .getBytes(StandardCharsets.UTF_8);
        ShardServer.acquire("127.0.0.1", 0);
        try {
            var h = open(null);
            process(h, ShardOp.collection(key, "bench", spec));
            Random random = new Random(7);
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                process(h, upsert(key, i, random, dim));
            }
            report("ingest", n + " upserts", start);

            IndexOperator op = (IndexOperator) h.getOperator();
            h.prepareSnapshotPreBarrier(1);
            start = System.nanoTime();
            while (!op.snapshots().idle()) {
                Thread.sleep(5);
            }
            report("serialize", op.snapshots().deltaLength() + " ids in the delta before", start);
            h.setProcessingTime(IndexOperator.STATUS_INTERVAL_MILLIS + 1);
            System.out.printf("snapshot bytes: %d%n", op.snapshots().lastSnapshotBytes());
            int delta = (int) (n * deltaShare);
            for (int i = 0; i < delta; i++) {
                process(h, upsert(key, n + i, random, dim));
            }
            OperatorSubtaskState withSnapshot = h.snapshot(2, 2);
            // The same records without a graph snapshot: what a missing or corrupt one costs.
            op.setCurrentKey(key);
            op.snapshots().headers().remove("bench");
            OperatorSubtaskState withoutSnapshot = h.snapshot(3, 3);
            h.close();

            for (int round = 0; round < 2; round++) {
                var a = open(withSnapshot);
                System.out.printf(
                        "round %d: restore from snapshot + %d delta ids: %d ms (%s)%n",
                        round,
                        delta,
                        ((IndexOperator) a.getOperator()).metrics().restoreMillis(),
                        ((IndexOperator) a.getOperator()).restoreSummary());
                a.close();
                var b = open(withoutSnapshot);
                System.out.printf(
                        "round %d: rebuild from %d records: %d ms (%s)%n",
                        round,
                        n + delta,
                        ((IndexOperator) b.getOperator()).metrics().restoreMillis(),
                        ((IndexOperator) b.getOperator()).restoreSummary());
                b.close();
            }
        } finally {
            ShardServer.release();
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> open(
            OperatorSubtaskState state) throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void>(
                        new IndexOperator(SHARDS, MAX_PARALLELISM, IndexFactory.defaults()),
                        op -> op.shardKey,
                        Types.INT,
                        MAX_PARALLELISM,
                        1,
                        0);
        EmbeddedRocksDBStateBackend backend = new EmbeddedRocksDBStateBackend();
        // The harness has no managed memory: RocksDB would flush tiny files at every write.
        backend.getMemoryConfiguration().setUseManagedMemory(false);
        h.setStateBackend(backend);
        // The harness keeps checkpoints in memory, by default up to 5 MiB.
        h.setCheckpointStorage(new JobManagerCheckpointStorage(1 << 30));
        h.getEnvironment().getJobConfiguration().set(SnapshotOptions.EVERY_CHECKPOINTS, 1);
        if (state != null) {
            h.initializeState(state);
        }
        h.open();
        return h;
    }

    private static ShardOp upsert(int key, int i, Random random, int dim) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = random.nextFloat();
        }
        return ShardOp.upsert(key, "bench", "p" + i, v, null, ShardOp.NO_VERSION, 0, i);
    }

    private static void process(
            KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> h, ShardOp op)
            throws Exception {
        h.processElement(new StreamRecord<>(op));
    }

    private static void report(String what, String detail, long startNanos) {
        System.out.printf(
                "%s: %s in %d ms%n", what, detail, (System.nanoTime() - startNanos) / 1_000_000);
    }
}
