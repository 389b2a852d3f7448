package io.quiver.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quiver.index.SearchHits;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.operator.snapshot.SnapshotHeader;
import io.quiver.operator.snapshot.SnapshotOptions;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.ShardServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Graph snapshots and the delta log in RocksDB keyed state, through restores of the operator. */
class GraphSnapshotRestoreTest {

    private static final int SHARDS = 4;
    private static final int MAX_PARALLELISM = 128;
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, MAX_PARALLELISM);
    private static final int SHARD = 2;
    private static final int KEY = KEYS.keyOf(SHARD);
    private static final int DIM = 8;
    private static final long SEED = 20261125L;
    private static final byte[] HNSW_SPEC =
            ("{\"name\":\"docs\",\"dimension\":"
                            + DIM
                            + ",\"metric\":\"l2\",\"index\":{\"type\":\"hnsw\",\"m\":8,"
                            + "\"ef_construction\":64}}")
                    .getBytes(StandardCharsets.UTF_8);
    private static final byte[] FLAT_SPEC =
            ("{\"name\":\"flat\",\"dimension\":"
                            + DIM
                            + ",\"metric\":\"l2\",\"index\":{\"type\":\"flat\"}}")
                    .getBytes(StandardCharsets.UTF_8);

    private ShardServer server;
    private KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> harness;
    private final Random random = new Random(SEED);
    private long checkpoint;

    @BeforeEach
    void setUp() throws Exception {
        server = ShardServer.acquire("127.0.0.1", 0);
        harness = open(null);
        process(ShardOp.collection(KEY, "docs", HNSW_SPEC));
        process(ShardOp.collection(KEY, "flat", FLAT_SPEC));
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
        ShardServer.release();
    }

    @Test
    void aSnapshotWithoutDeltaRestoresTheSameGraph() throws Exception {
        upserts(0, 800);
        deletes(0, 800, 10);
        checkpointAndCommit();
        assertThat(operator().snapshots().committedEpoch(KEY, "docs")).isEqualTo(1);
        assertThat(operator().snapshots().deltaLength()).isZero();
        assertThat(operator().publishedStatus(SHARD).snapshotEpoch()).isEqualTo(1);
        List<List<String>> before = searches("docs", 10);
        List<List<String>> flatBefore = searches("flat", 10);
        OperatorSubtaskState state = harness.snapshot(++checkpoint, checkpoint);

        restart(state);
        ShardRestore.Result restored = operator().restoreSummary();
        assertThat(restored.fromSnapshot()).isEqualTo(1);
        assertThat(restored.rebuilt()).isZero();
        assertThat(restored.replayed()).isZero();
        // The same graph: identical results even at a small ef.
        assertThat(searches("docs", 10)).isEqualTo(before);
        assertThat(searches("flat", 10)).isEqualTo(flatBefore);
        assertThat(collection("docs").index().size()).isEqualTo(800 - 80);
        assertThat(collection("docs").payload("p11")).isEqualTo(payload(11));
    }

    @Test
    void restoresFromSnapshotPlusDeltaWithIdenticalResults() throws Exception {
        upserts(0, 600);
        checkpointAndCommit();
        // The delta: new points, rewritten points and deletes since the snapshot.
        upserts(600, 700);
        upserts(100, 150);
        deletes(0, 700, 7);
        List<List<String>> before = searches("docs", 800);
        int size = collection("docs").index().size();
        OperatorSubtaskState state = harness.snapshot(++checkpoint, checkpoint);

        restart(state);
        ShardRestore.Result restored = operator().restoreSummary();
        assertThat(restored.fromSnapshot()).isEqualTo(1);
        assertThat(restored.rebuilt()).isZero();
        // One replay per distinct id touched since the snapshot.
        Set<Integer> touched = new HashSet<>();
        for (int i = 600; i < 700; i++) {
            touched.add(i);
        }
        for (int i = 100; i < 150; i++) {
            touched.add(i);
        }
        for (int i = 0; i < 700; i += 7) {
            touched.add(i);
        }
        assertThat(restored.replayed()).isEqualTo(touched.size());
        assertThat(collection("docs").index().size()).isEqualTo(size);
        // ef above the collection size makes the search exhaustive on both graphs.
        assertThat(searches("docs", 800)).isEqualTo(before);
        assertThat(collection("docs").payload("p120")).isEqualTo(payload(120));
        assertThat(collection("docs").payload("p7")).isNull();

        // The restored shard keeps snapshotting: the next snapshot absorbs the replayed delta.
        upserts(700, 720);
        checkpointAndCommit();
        assertThat(operator().snapshots().committedEpoch(KEY, "docs")).isGreaterThan(1);
        assertThat(operator().snapshots().deltaLength()).isZero();
        List<List<String>> later = searches("docs", 800);
        restart(harness.snapshot(++checkpoint, checkpoint));
        assertThat(operator().restoreSummary().fromSnapshot()).isEqualTo(1);
        assertThat(searches("docs", 800)).isEqualTo(later);
    }

    @Test
    void aCorruptedChunkFallsBackToARebuildWithTheSameResults() throws Exception {
        upserts(0, 700);
        deletes(0, 700, 9);
        checkpointAndCommit();
        upserts(700, 750);
        List<List<String>> before = searches("docs", 800);

        // Flip one byte of the committed snapshot in RocksDB, then checkpoint that state.
        operator().setCurrentKey(KEY);
        GraphSnapshots snapshots = operator().snapshots();
        SnapshotHeader header = SnapshotHeader.fromBytes(snapshots.headers().get("docs"));
        String chunkKey = GraphSnapshots.chunkKey("docs", header.epoch(), 0);
        byte[] chunk = snapshots.chunks().get(chunkKey).clone();
        chunk[chunk.length / 2] ^= 0x10;
        snapshots.chunks().put(chunkKey, chunk);
        OperatorSubtaskState state = harness.snapshot(++checkpoint, checkpoint);

        restart(state);
        ShardRestore.Result restored = operator().restoreSummary();
        assertThat(restored.fromSnapshot()).isZero();
        assertThat(restored.rebuilt()).isEqualTo(1);
        assertThat(searches("docs", 800)).isEqualTo(before);
        // The rebuilt graph is snapshotted again at the next checkpoint.
        checkpointAndCommit();
        assertThat(operator().snapshots().committedEpoch(KEY, "docs"))
                .isGreaterThan(header.epoch());
    }

    @Test
    void aReplacedIndexDropsItsSnapshotAndFlatCollectionsHaveNone() throws Exception {
        upserts(0, 200);
        checkpointAndCommit();
        operator().setCurrentKey(KEY);
        assertThat(operator().snapshots().headers().contains("docs")).isTrue();
        assertThat(operator().snapshots().headers().contains("flat")).isFalse();

        byte[] otherM =
                new String(HNSW_SPEC, StandardCharsets.UTF_8)
                        .replace("\"m\":8", "\"m\":12")
                        .getBytes(StandardCharsets.UTF_8);
        process(ShardOp.collection(KEY, "docs", otherM));
        operator().setCurrentKey(KEY);
        assertThat(operator().snapshots().headers().contains("docs")).isFalse();
        assertThat(operator().snapshots().chunks().isEmpty()).isTrue();
        assertThat(operator().snapshots().delta().isEmpty()).isTrue();
        List<List<String>> before = searches("docs", 400);

        restart(harness.snapshot(++checkpoint, checkpoint));
        assertThat(operator().restoreSummary().rebuilt()).isEqualTo(1);
        assertThat(((HnswIndex) collection("docs").index()).m()).isEqualTo(12);
        assertThat(searches("docs", 400)).isEqualTo(before);
    }

    /** Starts a snapshot at a checkpoint, waits for its serialization, commits it on a timer. */
    private void checkpointAndCommit() throws Exception {
        harness.prepareSnapshotPreBarrier(++checkpoint);
        await().atMost(Duration.ofSeconds(30)).until(() -> operator().snapshots().idle());
        do {
            harness.setProcessingTime(
                    harness.getProcessingTime() + IndexOperator.STATUS_INTERVAL_MILLIS + 1);
        } while (operator().snapshots().uncommitted());
    }

    private void restart(OperatorSubtaskState state) throws Exception {
        harness.close();
        harness = open(state);
    }

    private KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> open(
            OperatorSubtaskState restoreFrom) throws Exception {
        return OperatorHarnesses.open(
                SHARDS, restoreFrom, conf -> conf.set(SnapshotOptions.EVERY_CHECKPOINTS, 1));
    }

    private IndexOperator operator() {
        return (IndexOperator) harness.getOperator();
    }

    private LiveCollection collection(String name) {
        return server.registry().get(SHARD).collection(name);
    }

    /** Upserts p{from}..p{to-1} into both collections, with fresh random vectors. */
    private void upserts(int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            float[] v = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                v[d] = random.nextFloat();
            }
            for (String c : new String[] {"docs", "flat"}) {
                process(ShardOp.upsert(KEY, c, "p" + i, v, payload(i), ShardOp.NO_VERSION, 0, i));
            }
        }
    }

    private void deletes(int from, int to, int every) throws Exception {
        for (int i = from; i < to; i += every) {
            for (String c : new String[] {"docs", "flat"}) {
                process(ShardOp.delete(KEY, c, "p" + i, ShardOp.NO_VERSION, 0, i));
            }
        }
    }

    /** Top-10 ids of 40 seeded queries on the graph itself, once every write is linked into it. */
    private List<List<String>> searches(String name, int ef) throws Exception {
        operator().awaitLinked();
        Random queries = new Random(SEED + 1);
        List<List<String>> out = new ArrayList<>();
        for (int q = 0; q < 40; q++) {
            float[] v = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                v[d] = queries.nextFloat();
            }
            SearchHits hits = collection(name).index().search(v, 10, ef, null);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < hits.size(); i++) {
                ids.add(hits.id(i));
            }
            out.add(ids);
        }
        return out;
    }

    private void process(ShardOp op) throws Exception {
        harness.processElement(new StreamRecord<>(op));
    }

    private static byte[] payload(int i) {
        return ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8);
    }
}
