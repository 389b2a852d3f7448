package io.quiver.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.SearchHits;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.ShardServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Upserts applied in batches: nothing is searchable or acknowledged before its batch is applied,
 * and a MARKER, the batch delay, a full batch or a checkpoint applies it with the same result as
 * applying every upsert on its own.
 */
class UpsertBatchingTest {

    private static final int SHARDS = 4;
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, OperatorHarnesses.MAX_PARALLELISM);
    private static final int DIM = 8;
    private static final long DELAY = 5;
    private static final long SEED = 20261126L;
    private static final byte[] HNSW_SPEC = spec("docs", "\"type\":\"hnsw\",\"m\":8");
    private static final byte[] INT8_SPEC =
            spec("small", "\"type\":\"hnsw\",\"m\":8,\"storage\":\"int8\"");

    private ShardServer server;
    private KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> harness;
    private final List<ShardOp> written = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        server = ShardServer.acquire("127.0.0.1", 0);
        harness = open(null, batching(512));
        for (int s = 0; s < SHARDS; s++) {
            process(ShardOp.collection(KEYS.keyOf(s), "docs", HNSW_SPEC));
            process(ShardOp.collection(KEYS.keyOf(s), "small", INT8_SPEC));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
        ShardServer.release();
    }

    @Test
    void aMarkerMakesEveryEarlierUpsertSearchableBeforeItsOffsetCounts() throws Exception {
        upserts(0, 300);
        for (int s = 0; s < SHARDS; s++) {
            assertThat(collection(s, "docs").size()).isZero();
            assertThat(server.registry().get(s).applied().offset(0)).isEqualTo(-1);
        }
        process(ShardOp.marker(KEYS.keyOf(1), 0, 299));

        assertThat(server.registry().get(1).applied().offset(0)).isEqualTo(299);
        assertEveryPointFound();
    }

    @Test
    void theDelayAppliesALoneUpsertAndAFullBatchAppliesAtOnce() throws Exception {
        upserts(0, 1);
        assertThat(points()).isZero();
        harness.setProcessingTime(harness.getProcessingTime() + DELAY);
        assertThat(points()).isEqualTo(1);

        harness.close();
        // p0..p62 are 63 upserts into "docs" and 13 into "small": one short of a full batch.
        harness = open(null, batching(77));
        for (int s = 0; s < SHARDS; s++) {
            process(ShardOp.collection(KEYS.keyOf(s), "docs", HNSW_SPEC));
            process(ShardOp.collection(KEYS.keyOf(s), "small", INT8_SPEC));
        }
        written.clear();
        upserts(0, 63);
        assertThat(points()).isZero();
        upserts(63, 64);
        assertThat(points()).isEqualTo(64);
        assertEveryPointFound();
    }

    @Test
    void applyLagIsRecordedWhenABatchBecomesSearchableFromItsRecordsTimestamps() throws Exception {
        int key = KEYS.keyOf(2);
        long now = System.currentTimeMillis();
        harness.processElement(
                new StreamRecord<>(
                        ShardOp.upsert(key, "docs", "a", vector(1), null, ShardOp.NO_VERSION, 0, 1),
                        now - 60_000));
        harness.processElement(
                new StreamRecord<>(
                        ShardOp.upsert(key, "docs", "b", vector(2), null, ShardOp.NO_VERSION, 0, 2),
                        now - 1_000));
        // A record without a timestamp (parked, or a test) is searchable but not counted.
        process(ShardOp.upsert(key, "docs", "c", vector(3), null, ShardOp.NO_VERSION, 0, 3));
        IndexMetrics metrics = ((IndexOperator) harness.getOperator()).metrics();
        assertThat(metrics.applyLagMs.getCount()).isZero(); // still waiting in the batch

        process(ShardOp.marker(key, 0, 3));
        assertThat(metrics.applyLagMs.getCount()).isEqualTo(2);
        assertThat(metrics.applyLagMs.getStatistics().getMax()).isBetween(60_000L, 120_000L);
        assertThat(metrics.applyLagMs.getStatistics().getMin()).isBetween(1_000L, 60_000L);
    }

    @Test
    void laterWritesOfAnIdInOneBatchWinAndOlderVersionsLose() throws Exception {
        int key = KEYS.keyOf(0);
        process(ShardOp.upsert(key, "docs", "a", vector(1), null, 5, 0, 1));
        process(ShardOp.upsert(key, "docs", "a", vector(2), null, 3, 0, 2)); // older: ignored
        process(ShardOp.upsert(key, "docs", "b", vector(3), null, ShardOp.NO_VERSION, 0, 3));
        process(ShardOp.upsert(key, "docs", "b", vector(4), null, ShardOp.NO_VERSION, 0, 4));
        process(ShardOp.marker(key, 0, 4));

        LiveCollection docs = collection(0, "docs");
        assertThat(docs.size()).isEqualTo(2);
        assertThat(docs.vector("a")).isEqualTo(vector(1));
        assertThat(docs.vector("b")).isEqualTo(vector(4));
        assertThat(nearest(docs, vector(4))).isEqualTo("b");
    }

    @Test
    void aCheckpointHoldsTheUpsertsStillWaitingAndRestoresLikeUnbatchedWrites() throws Exception {
        upserts(0, 200);
        process(ShardOp.marker(KEYS.keyOf(0), 0, 199));
        upserts(200, 260); // still waiting when the checkpoint is taken
        OperatorSubtaskState state = harness.snapshot(1, 1);
        assertEveryPointFound();

        harness.close();
        harness = open(state, batching(512));
        assertEveryPointFound();

        // The same ops, each applied as it arrives, give the same points and exact results.
        List<ShardOp> ops = new ArrayList<>(written);
        List<List<String>> batched = exactSearches();
        harness.close();
        harness = open(null, conf -> {});
        for (int s = 0; s < SHARDS; s++) {
            process(ShardOp.collection(KEYS.keyOf(s), "docs", HNSW_SPEC));
            process(ShardOp.collection(KEYS.keyOf(s), "small", INT8_SPEC));
        }
        for (ShardOp op : ops) {
            process(op);
        }
        assertThat(exactSearches()).isEqualTo(batched);
    }

    private static Consumer<Configuration> batching(int maxOps) {
        return conf -> {
            conf.set(BatchOptions.MAX_DELAY_MILLIS, DELAY);
            conf.set(BatchOptions.MAX_OPS, maxOps);
        };
    }

    private KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> open(
            OperatorSubtaskState state, Consumer<Configuration> conf) throws Exception {
        return OperatorHarnesses.open(SHARDS, state, conf);
    }

    /** Upserts p{from}..p{to-1}, spread over the shards; every fifth also into "small". */
    private void upserts(int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            int key = KEYS.keyOf(i % SHARDS);
            process(
                    ShardOp.upsert(
                            key,
                            "docs",
                            "p" + i,
                            vector(i),
                            ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                            ShardOp.NO_VERSION,
                            0,
                            i));
            if (i % 5 == 0) {
                process(
                        ShardOp.upsert(
                                key, "small", "p" + i, vector(i), null, ShardOp.NO_VERSION, 0, i));
            }
        }
    }

    private void process(ShardOp op) throws Exception {
        if (op.kind == ShardOp.Kind.UPSERT) {
            written.add(op);
        }
        harness.processElement(new StreamRecord<>(op));
    }

    private void assertEveryPointFound() {
        for (ShardOp op : written) {
            LiveCollection c = collection(KEYS.shardOfKey(op.shardKey), op.collection);
            assertThat(nearest(c, op.vector)).as(op.collection + "/" + op.id).isEqualTo(op.id);
            assertThat(c.vector(op.id)).isEqualTo(op.vector);
        }
    }

    /** Top-10 ids per shard and collection for 20 seeded queries, ef past the collection size. */
    private List<List<String>> exactSearches() {
        Random random = new Random(SEED + 1);
        List<List<String>> out = new ArrayList<>();
        for (int q = 0; q < 20; q++) {
            float[] v = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                v[d] = random.nextFloat();
            }
            for (int s = 0; s < SHARDS; s++) {
                for (String name : new String[] {"docs", "small"}) {
                    SearchHits hits = collection(s, name).search(v, 10, 500, null);
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < hits.size(); i++) {
                        ids.add(hits.id(i));
                    }
                    out.add(ids);
                }
            }
        }
        return out;
    }

    private long points() {
        long n = 0;
        for (int s = 0; s < SHARDS; s++) {
            n += collection(s, "docs").size();
        }
        return n;
    }

    private LiveCollection collection(int shard, String name) {
        return server.registry().get(shard).collection(name);
    }

    private static String nearest(LiveCollection c, float[] v) {
        return c.search(v, 1, 500, null).id(0);
    }

    private static float[] vector(int i) {
        Random r = new Random(SEED * 31 + i);
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = r.nextFloat();
        }
        return v;
    }

    private static byte[] spec(String name, String index) {
        return ("{\"name\":\""
                        + name
                        + "\",\"dimension\":"
                        + DIM
                        + ",\"metric\":\"l2\",\"index\":{"
                        + index
                        + ",\"ef_construction\":64}}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
