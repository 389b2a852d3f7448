package io.quiver.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.SearchHits;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.status.ShardStatus;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import io.quiver.shard.ShardServer;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IndexOperatorTest {

    private static final int SHARDS = 8;
    private static final int MAX_PARALLELISM = 128;
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, MAX_PARALLELISM);
    private static final int SHARD = 5;
    private static final int KEY = KEYS.keyOf(SHARD);
    private static final byte[] L2_SPEC = spec(2, "l2");

    private ShardServer server;
    private KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> harness;

    @BeforeEach
    void setUp() throws Exception {
        // Holds the JVM's shard server for the whole test, so operators share one registry.
        server = ShardServer.acquire("127.0.0.1", 0);
        harness = open(null);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
        ShardServer.release();
    }

    @Test
    void upsertsReplaceAndDeletesRemove() throws Exception {
        process(ShardOp.collection(KEY, "docs", L2_SPEC));
        process(upsert("a", 0, 0, ShardOp.NO_VERSION, "{\"n\":1}"));
        process(upsert("b", 5, 5, ShardOp.NO_VERSION, null));
        process(upsert("a", 9, 9, ShardOp.NO_VERSION, "{\"n\":2}"));
        assertThat(nearest(9, 9)).isEqualTo("a");
        assertThat(new String(collection().payload("a"), StandardCharsets.UTF_8))
                .isEqualTo("{\"n\":2}");
        process(ShardOp.delete(KEY, "docs", "a", ShardOp.NO_VERSION, 0, 9));
        assertThat(collection().size()).isEqualTo(1);
        assertThat(nearest(9, 9)).isEqualTo("b");
        assertThat(collection().payload("a")).isNull();
    }

    @Test
    void anOlderVersionNeverOverwritesANewerOne() throws Exception {
        process(ShardOp.collection(KEY, "docs", L2_SPEC));
        process(upsert("a", 1, 1, 5, null));
        process(upsert("a", 2, 2, 3, null)); // older: ignored
        assertThat(score("a", 1, 1)).isZero();
        process(upsert("a", 3, 3, 5, null)); // equal: last writer wins
        assertThat(score("a", 3, 3)).isZero();
        process(ShardOp.delete(KEY, "docs", "a", 4, 0, 1)); // older delete: ignored
        assertThat(collection().size()).isEqualTo(1);
        process(upsert("a", 4, 4, ShardOp.NO_VERSION, null)); // no version: always applies
        assertThat(score("a", 4, 4)).isZero();
        process(upsert("a", 5, 5, 1, null)); // the stored record has no version any more
        assertThat(score("a", 5, 5)).isZero();
    }

    @Test
    void aDeletedCollectionLosesItsRecordsAndAChangedDimensionStartsOver() throws Exception {
        process(ShardOp.collection(KEY, "docs", L2_SPEC));
        process(upsert("a", 1, 1, ShardOp.NO_VERSION, null));
        process(ShardOp.collection(KEY, "docs", spec(2, "dot")));
        assertThat(collection().index().metric().name()).isEqualTo("DOT");
        assertThat(collection().size()).isEqualTo(1); // rebuilt from the records

        process(ShardOp.collection(KEY, "docs", spec(3, "l2")));
        assertThat(collection().index().dimension()).isEqualTo(3);
        assertThat(collection().size()).isZero();

        process(
                ShardOp.upsert(
                        KEY, "docs", "b", new float[] {1, 2, 3}, null, ShardOp.NO_VERSION, 0, 2));
        process(ShardOp.collection(KEY, "docs", null));
        assertThat(shard().collection("docs")).isNull();
        process(ShardOp.collection(KEY, "docs", L2_SPEC));
        assertThat(collection().size()).isZero();
    }

    @Test
    void dropsRecordsThatDoNotFitTheirCollection() throws Exception {
        process(upsert("orphan", 1, 1, ShardOp.NO_VERSION, null)); // no spec yet
        assertThat(shard().collection("docs")).isNull();
        process(ShardOp.collection(KEY, "docs", L2_SPEC));
        process(
                ShardOp.upsert(
                        KEY,
                        "docs",
                        "wide",
                        new float[] {1, 2, 3},
                        null,
                        ShardOp.NO_VERSION,
                        0,
                        2));
        assertThat(collection().size()).isZero();
    }

    @Test
    void publishesAStatusForEveryShardAndTheAppliedOffsets() throws Exception {
        process(ShardOp.marker(KEY, 2, 17));
        process(ShardOp.marker(KEY, 2, 12)); // never goes back
        process(ShardOp.marker(KEY, 0, 3));
        harness.setProcessingTime(IndexOperator.STATUS_INTERVAL_MILLIS + 1);
        IndexOperator op = (IndexOperator) harness.getOperator();
        for (int s = 0; s < SHARDS; s++) {
            ShardStatus status = op.publishedStatus(s);
            assertThat(status).as("shard %d", s).isNotNull();
            assertThat(status.shard()).isEqualTo(s);
            assertThat(status.totalShards()).isEqualTo(SHARDS);
            assertThat(status.ready()).isTrue();
            assertThat(status.port()).isEqualTo(server.port());
            assertThat(status.host()).isEqualTo("127.0.0.1");
        }
        ShardStatus status = op.publishedStatus(SHARD);
        assertThat(status.appliedPartitions()).containsExactly(0, 2);
        assertThat(status.appliedOffsets()).containsExactly(3L, 17L);
        assertThat(shard().applied().offset(2)).isEqualTo(17L);
    }

    @Test
    void restoreRebuildsEveryShardFromRocksDbBeforeAnyRecord() throws Exception {
        harness.close();
        harness = open(null);
        process(ShardOp.collection(KEY, "docs", L2_SPEC));
        int other = KEYS.keyOf(1);
        process(ShardOp.collection(other, "docs", L2_SPEC));
        for (int i = 0; i < 100; i++) {
            process(upsert("p" + i, i, i, i, "{\"i\":" + i + "}"));
        }
        process(ShardOp.upsert(other, "docs", "q", new float[] {7, 7}, null, 1, 1, 1));
        process(ShardOp.delete(KEY, "docs", "p3", ShardOp.NO_VERSION, 0, 100));
        process(ShardOp.marker(KEY, 0, 100));
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();
        assertThat(server.registry().get(SHARD)).isNull(); // unregistered on close

        harness = open(snapshot);
        assertThat(collection().size()).isEqualTo(99);
        assertThat(nearest(50, 50)).isEqualTo("p50");
        assertThat(nearest(3, 3)).isIn("p2", "p4");
        assertThat(new String(collection().payload("p50"), StandardCharsets.UTF_8))
                .isEqualTo("{\"i\":50}");
        assertThat(shard().applied().offset(0)).isEqualTo(100L);
        assertThat(server.registry().get(1).collection("docs").size()).isEqualTo(1);
        // The status is published at open, without waiting for the first timer.
        assertThat(((IndexOperator) harness.getOperator()).publishedStatus(SHARD).vectorCount())
                .isEqualTo(99);
        // Versions survive the restore too.
        process(upsert("p10", 0, 0, 9, null));
        assertThat(score("p10", 10, 10)).isZero();
    }

    @Test
    void metricsCountAppliedOpsSearchesAndTheRestore() throws Exception {
        process(ShardOp.collection(KEY, "docs", L2_SPEC));
        process(upsert("a", 1, 1, 5, null));
        process(upsert("b", 2, 2, ShardOp.NO_VERSION, null));
        process(upsert("a", 0, 0, 3, null)); // stale
        process(ShardOp.delete(KEY, "docs", "b", ShardOp.NO_VERSION, 0, 4));
        process(ShardOp.delete(KEY, "docs", "never-written", ShardOp.NO_VERSION, 0, 5));
        IndexMetrics metrics = ((IndexOperator) harness.getOperator()).metrics();
        assertThat(metrics.upserts.getCount()).isEqualTo(2);
        assertThat(metrics.deletes.getCount()).isEqualTo(1);
        assertThat(metrics.staleWrites.getCount()).isEqualTo(1);
        assertThat(metrics.ingestRate.getCount()).isEqualTo(3);
        assertThat(metrics.restoreMillis()).isZero();
        assertThat(metrics.applyLagMs.getCount()).isZero(); // no op carried a record timestamp
        long sent = System.currentTimeMillis() - 5_000;
        harness.processElement(new StreamRecord<>(upsert("c", 3, 3, 1, null), sent));
        harness.processElement(new StreamRecord<>(ShardOp.delete(KEY, "docs", "c", 2, 0, 7), sent));
        assertThat(metrics.applyLagMs.getCount()).isEqualTo(2);
        assertThat(metrics.applyLagMs.getStatistics().getMin()).isBetween(5_000L, 60_000L);

        // The shard server reports each search through the live shard, from its own threads.
        LiveShard live = server.registry().get(SHARD);
        live.countSearch(1_500_000);
        live.countSearch(2_500_000);
        assertThat(live.searches()).isEqualTo(2);
        assertThat(metrics.searchLatencyMicros.getCount()).isEqualTo(2);
        assertThat(metrics.searchLatencyMicros.getStatistics().getMax()).isEqualTo(2500);

        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();
        harness = open(snapshot);
        IndexMetrics restored = ((IndexOperator) harness.getOperator()).metrics();
        assertThat(restored.restoreMillis()).isGreaterThanOrEqualTo(0);
        assertThat(restored.restoredRecords()).isEqualTo(1);
        assertThat(restored.upserts.getCount()).isZero(); // counters start over per run
    }

    private KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> open(
            OperatorSubtaskState restoreFrom) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new IndexOperator(SHARDS, MAX_PARALLELISM, IndexFactory.defaults()),
                        op -> op.shardKey,
                        Types.INT,
                        MAX_PARALLELISM,
                        1,
                        0);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        // Each upsert applies as it arrives; UpsertBatchingTest covers batches.
        h.getEnvironment().getJobConfiguration().set(BatchOptions.MAX_DELAY_MILLIS, 0L);
        if (restoreFrom == null) {
            h.open();
        } else {
            h.initializeState(restoreFrom);
            h.open();
        }
        return h;
    }

    private void process(ShardOp op) throws Exception {
        harness.processElement(new StreamRecord<>(op));
    }

    private static ShardOp upsert(String id, float x, float y, long version, String payload) {
        return ShardOp.upsert(
                KEY,
                "docs",
                id,
                new float[] {x, y},
                payload == null ? null : payload.getBytes(StandardCharsets.UTF_8),
                version,
                0,
                1);
    }

    private LiveShard shard() {
        return server.registry().get(SHARD);
    }

    private LiveCollection collection() {
        return shard().collection("docs");
    }

    private String nearest(float x, float y) {
        return collection().search(new float[] {x, y}, 1, collection().defaultEf(), null).id(0);
    }

    /** The score of {@code id} for the query (x, y). */
    private float score(String id, float x, float y) throws Exception {
        ((IndexOperator) harness.getOperator()).awaitLinked();
        SearchHits hits =
                collection()
                        .index()
                        .search(
                                new float[] {x, y},
                                1,
                                collection().defaultEf(),
                                other -> other.equals(id));
        return hits.score(0);
    }

    private static byte[] spec(int dimension, String metric) {
        return ("{\"name\":\"docs\",\"dimension\":" + dimension + ",\"metric\":\"" + metric + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
