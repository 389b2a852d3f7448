package io.quiver.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.quiver.operator.snapshot.SnapshotOptions;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.ShardServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's link lanes: a write is searchable (and its MARKER applied) before it is linked; a
 * checkpoint barrier waits for the lanes, the bound blocks the task thread, a linking failure fails
 * it, and a checkpoint taken while ops were queued restores every point.
 */
class LinkLaneOperatorTest {

    private static final int SHARDS = 4;
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, OperatorHarnesses.MAX_PARALLELISM);
    private static final int DIM = 8;
    private static final long SEED = 20261127L;
    private static final byte[] SPEC =
            ("{\"name\":\"docs\",\"dimension\":"
                            + DIM
                            + ",\"metric\":\"l2\",\"index\":{\"type\":\"hnsw\",\"m\":8,"
                            + "\"ef_construction\":64}}")
                    .getBytes(StandardCharsets.UTF_8);

    /** Drains on two real threads, held while the gate is shut. */
    private static final class Gate implements Executor {
        private final ExecutorService pool = Executors.newFixedThreadPool(2);
        private final List<Runnable> held = new ArrayList<>();
        private boolean open;

        @Override
        public synchronized void execute(Runnable task) {
            if (open) {
                pool.execute(task);
            } else {
                held.add(task);
            }
        }

        synchronized void open() {
            open = true;
            held.forEach(pool::execute);
            held.clear();
        }

        synchronized void shut() {
            open = false;
        }
    }

    private final Random random = new Random(SEED);
    private final Map<String, float[]> live = new HashMap<>();

    /** Point i goes to shard {@code i % spread}; only those shards have the collection. */
    private int spread = SHARDS;

    private ShardServer server;
    private Gate gate;
    private KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> harness;

    @BeforeEach
    void setUp() throws Exception {
        server = ShardServer.acquire("127.0.0.1", 0);
        gate = new Gate();
    }

    @AfterEach
    void tearDown() throws Exception {
        gate.open();
        if (harness != null) {
            harness.close();
        }
        gate.pool.shutdownNow();
        ShardServer.release();
    }

    @Test
    void writesAreSearchableBeforeTheyAreLinkedAndAGraphSnapshotIsCutOnceItsLaneCaughtUp()
            throws Exception {
        start(gate, conf -> conf.set(SnapshotOptions.EVERY_CHECKPOINTS, 1));
        upserts(0, 200);
        deletes(0, 200, 9);
        for (int s = 0; s < SHARDS; s++) {
            process(ShardOp.marker(KEYS.keyOf(s), 0, 199));
        }

        assertThat(indexed()).as("nothing linked").isZero();
        assertThat(unlinked()).as("ids with a queued op").isEqualTo(200);
        assertThat(server.registry().get(1).applied().offset(0)).isEqualTo(199);
        assertEveryPointFound();

        // Every collection is due for a graph snapshot at this barrier. The task thread does not
        // wait for the lanes: the snapshots wait on their own thread until the ops are linked.
        harness.prepareSnapshotPreBarrier(1);
        upserts(200, 260); // queued after the snapshots started: next epoch, may be in the cut
        assertThat(unlinked()).as("the barrier linked nothing").isEqualTo(260);
        assertThat(operator().snapshots().idle()).as("snapshots wait for their lanes").isFalse();
        assertEveryPointFound();

        gate.open();
        commitSnapshots();
        for (int s = 0; s < SHARDS; s++) {
            assertThat(operator().snapshots().committedEpoch(KEYS.keyOf(s), "docs")).isEqualTo(1);
        }
        operator().awaitLinked();
        assertThat(unlinked()).isZero();
        assertThat(indexed()).isEqualTo(live.size());
        assertEveryPointFound();
    }

    @Test
    void aBarrierThatStartsNoGraphSnapshotDoesNotWaitForTheLanes() throws Exception {
        start(gate, conf -> {});
        upserts(0, 200);

        harness.prepareSnapshotPreBarrier(1);
        OperatorSubtaskState state = harness.snapshot(1, 1);

        assertThat(state).isNotNull();
        assertThat(unlinked()).as("still queued").isEqualTo(200);
        assertEveryPointFound();
    }

    @Test
    void withoutLinkLanesEveryWriteIsLinkedBeforeItIsSearchable() throws Exception {
        start(gate, conf -> conf.set(BatchOptions.MAX_UNLINKED, 0));
        upserts(0, 100);
        deletes(0, 100, 9);

        assertThat(unlinked()).isZero();
        assertThat(indexed()).isEqualTo(live.size());
        assertEveryPointFound();
    }

    @Test
    void theTaskThreadBlocksAtTheBoundUntilTheLanesFreeRoom() throws Exception {
        start(gate, conf -> conf.set(BatchOptions.MAX_UNLINKED, 8));
        Thread task =
                new Thread(
                        () -> {
                            try {
                                upserts(0, 12);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        "task");
        task.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> task.getState() == Thread.State.WAITING);
        assertThat(unlinked()).isEqualTo(8);
        assertThat(searchable()).as("the ninth upsert waits for room").isEqualTo(8);

        gate.open();
        task.join();
        operator().awaitLinked();
        assertThat(indexed()).isEqualTo(12);
        assertEveryPointFound();
    }

    @Test
    void aLinkingFailureFailsTheTaskThreadAtItsNextOp() throws Exception {
        start(gate, conf -> {});
        gate.open();
        upserts(0, 10);
        float[] broken = new float[DIM];
        broken[3] = Float.NaN; // decode never forwards this; the index refuses to link it
        process(
                ShardOp.upsert(
                        KEYS.keyOf(0), "docs", "nan", broken, null, ShardOp.NO_VERSION, 0, 10));

        assertThatThrownBy(() -> operator().awaitLinked())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("linking")
                .hasRootCauseMessage("vector component 3 is NaN: components must be finite");
        assertThatThrownBy(() -> upserts(10, 11)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> harness.prepareSnapshotPreBarrier(1))
                .isInstanceOf(IllegalStateException.class);
        // Finishing fails the same way (the task is failing); closing still releases everything.
        assertThatThrownBy(harness::close).isInstanceOf(IllegalStateException.class);
        operator().close();
        harness = null;
    }

    @Test
    void aCheckpointTakenWithOpsQueuedRestoresEveryPoint() throws Exception {
        // One collection in one shard: its graph comes due at every second checkpoint exactly
        // (several collections would take turns).
        spread = 1;
        Consumer<Configuration> everySecond =
                conf -> conf.set(SnapshotOptions.EVERY_CHECKPOINTS, 2);
        start(gate, everySecond);
        upserts(0, 300);
        harness.prepareSnapshotPreBarrier(1); // no snapshot due yet
        assertThat(unlinked()).isEqualTo(300);
        harness.prepareSnapshotPreBarrier(2); // every graph due: cut once its lane caught up
        assertThat(unlinked()).as("the barrier does not wait for the lane").isEqualTo(300);
        gate.open();
        commitSnapshots();
        assertThat(operator().snapshots().committedEpoch(KEYS.keyOf(0), "docs")).isEqualTo(1);

        // Queued when the next checkpoint is taken: new points, updates and deletes.
        gate.shut();
        upserts(300, 400);
        upserts(50, 80);
        deletes(0, 400, 7);
        harness.prepareSnapshotPreBarrier(3);
        OperatorSubtaskState state = harness.snapshot(3, 3);
        assertThat(unlinked()).as("taken with ops queued").isPositive();

        gate.open();
        harness.close();
        harness = null;
        start(null, everySecond, state);
        ShardRestore.Result restored = operator().restoreSummary();
        assertThat(restored.fromSnapshot()).isEqualTo(1);
        assertThat(restored.rebuilt()).isZero();
        assertThat(restored.replayed()).isPositive();
        assertThat(indexed()).isEqualTo(live.size());
        assertEveryPointFound();
        for (int i = 0; i < 400; i += 7) {
            assertThat(collection(i).vector("p" + i)).isNull();
        }
    }

    /**
     * Waits for the running serializations, then fires the status timer until every finished
     * snapshot is committed (a call commits for a bounded time).
     */
    private void commitSnapshots() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> operator().snapshots().idle());
        while (operator().snapshots().uncommitted()) {
            harness.setProcessingTime(
                    harness.getProcessingTime() + IndexOperator.STATUS_INTERVAL_MILLIS + 1);
        }
    }

    private void start(Executor linkExecutor, Consumer<Configuration> conf) throws Exception {
        start(linkExecutor, conf, null);
        for (int s = 0; s < spread; s++) {
            process(ShardOp.collection(KEYS.keyOf(s), "docs", SPEC));
        }
    }

    private void start(
            Executor linkExecutor, Consumer<Configuration> conf, OperatorSubtaskState state)
            throws Exception {
        harness =
                OperatorHarnesses.open(
                        SHARDS,
                        state,
                        conf,
                        operator -> {
                            if (linkExecutor != null) {
                                operator.linkOn(linkExecutor);
                            }
                        });
    }

    private IndexOperator operator() {
        return (IndexOperator) harness.getOperator();
    }

    /** The collection that point {@code i} goes to. */
    private LiveCollection collection(int i) {
        return server.registry().get(i % spread).collection("docs");
    }

    private void upserts(int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            float[] v = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                v[d] = random.nextFloat();
            }
            live.put("p" + i, v);
            process(
                    ShardOp.upsert(
                            KEYS.keyOf(i % spread),
                            "docs",
                            "p" + i,
                            v,
                            null,
                            ShardOp.NO_VERSION,
                            0,
                            i));
        }
    }

    private void deletes(int from, int to, int every) throws Exception {
        for (int i = from; i < to; i += every) {
            live.remove("p" + i);
            process(
                    ShardOp.delete(
                            KEYS.keyOf(i % spread), "docs", "p" + i, ShardOp.NO_VERSION, 0, i));
        }
    }

    /** Every live point is the nearest hit for its own vector; none is missing or stale. */
    private void assertEveryPointFound() {
        for (Map.Entry<String, float[]> e : live.entrySet()) {
            int i = Integer.parseInt(e.getKey().substring(1));
            assertThat(collection(i).search(e.getValue(), 1, 400, null).id(0))
                    .isEqualTo(e.getKey());
        }
    }

    private long indexed() {
        long n = 0;
        for (int s = 0; s < spread; s++) {
            n += server.registry().get(s).collection("docs").index().size();
        }
        return n;
    }

    private long searchable() {
        long n = 0;
        for (int s = 0; s < spread; s++) {
            n += server.registry().get(s).collection("docs").size();
        }
        return n;
    }

    private long unlinked() {
        long n = 0;
        for (int s = 0; s < spread; s++) {
            n += server.registry().get(s).collection("docs").unlinked();
        }
        return n;
    }

    private void process(ShardOp op) throws Exception {
        harness.processElement(new StreamRecord<>(op));
    }
}
