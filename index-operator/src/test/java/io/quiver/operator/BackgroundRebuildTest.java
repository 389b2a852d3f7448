package io.quiver.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.VectorIndex;
import io.quiver.index.flat.FlatIndex;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.operator.snapshot.SnapshotOptions;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.ShardServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Background rebuilds in the operator: the old index serves while the new one is built, writes that
 * arrive meanwhile are replayed, and the swapped-in index answers like a fresh build.
 */
class BackgroundRebuildTest {

    private static final int SHARDS = 4;
    private static final int MAX_PARALLELISM = 128;
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, MAX_PARALLELISM);
    private static final int SHARD = 1;
    private static final int KEY = KEYS.keyOf(SHARD);
    private static final int DIM = 8;
    private static final long SEED = 20261125L;
    private static final String SPEC =
            "{\"name\":\"docs\",\"dimension\":"
                    + DIM
                    + ",\"metric\":\"l2\",\"index\":{\"type\":\"hnsw\",\"m\":8,"
                    + "\"ef_construction\":64}}";

    private ShardServer server;
    private KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> harness;
    private final Random random = new Random(SEED);
    private final Map<String, float[]> expected = new LinkedHashMap<>();
    private final AtomicBoolean searching = new AtomicBoolean();
    private final AtomicLong searches = new AtomicLong();
    private final AtomicReference<Throwable> searchFailure = new AtomicReference<>();
    private long checkpoint;

    @BeforeEach
    void setUp() throws Exception {
        server = ShardServer.acquire("127.0.0.1", 0);
        harness = open(null);
        process(ShardOp.collection(KEY, "docs", utf8(SPEC)));
    }

    @AfterEach
    void tearDown() throws Exception {
        searching.set(false);
        harness.close();
        ShardServer.release();
    }

    @Test
    void tombstonesPastTheShareTriggerARebuildThatReplaysConcurrentWrites() throws Exception {
        upserts(0, 900);
        deletes(0, 900, 3);
        Thread searcher = startSearching();
        operator().awaitLinked();
        VectorIndex before = collection().index();
        assertThat(((HnswIndex) before).deletedFraction()).isGreaterThan(0.2);

        tick(); // the status timer sees the tombstones and starts the rebuild
        assertThat(operator().rebuilds().runningCount()).isEqualTo(1);
        // Writes while it builds go to the old index and are replayed onto the new one.
        // Fewer than the 100 tombstones that would start the next rebuild at once.
        upserts(900, 1000);
        upserts(10, 40);
        deletes(1, 1000, 25);
        assertThat(collection().index()).isSameAs(before);
        await().atMost(Duration.ofSeconds(30)).until(() -> operator().rebuilds().allBuilt());
        upserts(1000, 1010);
        tick();

        assertThat(operator().rebuilds().runningCount()).isZero();
        assertThat(operator().rebuilds().done()).isEqualTo(1);
        HnswIndex after = (HnswIndex) collection().index();
        assertThat(after).isNotSameAs(before);
        assertThat(after.size()).isEqualTo(expected.size());
        assertThat(after.deletedFraction()).isLessThan(0.2);
        assertThat(searches(after)).isEqualTo(searches(freshBuild()));
        stopSearching(searcher);

        // The swap wrote a fresh snapshot, which a restore loads with the same results.
        await().atMost(Duration.ofSeconds(30)).until(() -> operator().snapshots().idle());
        tick();
        assertThat(operator().snapshots().committedEpoch(KEY, "docs")).isPositive();
        List<List<String>> swapped = searches(after);
        OperatorSubtaskState state = harness.snapshot(++checkpoint, checkpoint);
        harness.close();
        harness = open(state);
        assertThat(operator().restoreSummary().fromSnapshot()).isEqualTo(1);
        assertThat(searches((HnswIndex) collection().index())).isEqualTo(swapped);
    }

    @Test
    void aChangedIndexParameterRebuildsInTheBackgroundWhileTheOldGraphServes() throws Exception {
        upserts(0, 800);
        Thread searcher = startSearching();
        VectorIndex before = collection().index();
        process(ShardOp.collection(KEY, "docs", utf8(SPEC.replace("\"m\":8", "\"m\":12"))));
        assertThat(operator().rebuilds().runningCount()).isEqualTo(1);
        upserts(800, 850);
        deletes(0, 850, 4);
        assertThat(collection().index()).isSameAs(before);
        assertThat(((HnswIndex) collection().index()).m()).isEqualTo(8);
        await().atMost(Duration.ofSeconds(30)).until(() -> operator().rebuilds().allBuilt());
        tick();

        HnswIndex after = (HnswIndex) collection().index();
        assertThat(after.m()).isEqualTo(12);
        assertThat(collection().spec()).isEqualTo(utf8(SPEC.replace("\"m\":8", "\"m\":12")));
        assertThat(after.size()).isEqualTo(expected.size());
        assertThat(searches(after)).isEqualTo(searches(freshBuild()));
        stopSearching(searcher);
        await().atMost(Duration.ofSeconds(30)).until(() -> operator().snapshots().idle());
        tick();
        assertThat(operator().snapshots().committedEpoch(KEY, "docs")).isPositive();
    }

    @Test
    void aSpecChangedBackBeforeTheSwapKeepsTheServedIndex() throws Exception {
        upserts(0, 300);
        VectorIndex before = collection().index();
        process(ShardOp.collection(KEY, "docs", utf8(SPEC.replace("\"m\":8", "\"m\":12"))));
        process(ShardOp.collection(KEY, "docs", utf8(SPEC)));
        assertThat(operator().rebuilds().runningCount()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> operator().rebuilds().allBuilt());
        tick();
        assertThat(collection().index()).isSameAs(before);
        // Its graph is snapshotted again.
        harness.prepareSnapshotPreBarrier(++checkpoint);
        await().atMost(Duration.ofSeconds(30)).until(() -> operator().snapshots().idle());
        tick();
        assertThat(operator().snapshots().committedEpoch(KEY, "docs")).isPositive();
    }

    /**
     * An exact index of the expected points: what a fresh graph build searched exhaustively
     * returns.
     */
    private VectorIndex freshBuild() {
        VectorIndex index = new FlatIndex(DIM, Metric.L2);
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            index.upsert(e.getKey(), e.getValue());
        }
        return index;
    }

    private Thread startSearching() {
        searching.set(true);
        Thread t =
                new Thread(
                        () -> {
                            Random queries = new Random(SEED + 2);
                            while (searching.get()) {
                                try {
                                    float[] q = vector(queries);
                                    SearchHits hits = collection().index().search(q, 10, 64, null);
                                    if (hits.size() == 0) {
                                        throw new AssertionError("a search found nothing");
                                    }
                                    searches.incrementAndGet();
                                } catch (Throwable e) {
                                    searchFailure.compareAndSet(null, e);
                                }
                            }
                        },
                        "test-searcher");
        t.start();
        return t;
    }

    private void stopSearching(Thread searcher) throws InterruptedException {
        searching.set(false);
        searcher.join();
        assertThat(searchFailure.get()).isNull();
        assertThat(searches.get()).isPositive();
    }

    /** Fires the status timer: swaps finished rebuilds, starts due ones, commits snapshots. */
    private void tick() throws Exception {
        harness.setProcessingTime(
                harness.getProcessingTime() + IndexOperator.STATUS_INTERVAL_MILLIS + 1);
    }

    private KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> open(
            OperatorSubtaskState restoreFrom) throws Exception {
        return OperatorHarnesses.open(
                SHARDS,
                restoreFrom,
                conf -> {
                    conf.set(SnapshotOptions.EVERY_CHECKPOINTS, 1);
                    conf.set(RebuildOptions.MIN_TOMBSTONES, 100);
                });
    }

    private IndexOperator operator() {
        return (IndexOperator) harness.getOperator();
    }

    private LiveCollection collection() {
        return server.registry().get(SHARD).collection("docs");
    }

    private void upserts(int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            float[] v = vector(random);
            expected.put("p" + i, v);
            process(ShardOp.upsert(KEY, "docs", "p" + i, v, null, ShardOp.NO_VERSION, 0, i));
        }
    }

    private void deletes(int from, int to, int every) throws Exception {
        for (int i = from; i < to; i += every) {
            expected.remove("p" + i);
            process(ShardOp.delete(KEY, "docs", "p" + i, ShardOp.NO_VERSION, 0, i));
        }
    }

    /** Top-10 ids of 40 seeded queries at an ef that makes the search exhaustive. */
    private static List<List<String>> searches(VectorIndex index) {
        Random queries = new Random(SEED + 1);
        List<List<String>> out = new ArrayList<>();
        for (int q = 0; q < 40; q++) {
            SearchHits hits = index.search(vector(queries), 10, 1200, null);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < hits.size(); i++) {
                ids.add(hits.id(i));
            }
            out.add(ids);
        }
        return out;
    }

    private static float[] vector(Random random) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = random.nextFloat();
        }
        return v;
    }

    private void process(ShardOp op) throws Exception {
        harness.processElement(new StreamRecord<>(op));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
