package io.quiver.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.quiver.operator.snapshot.SnapshotOptions;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.shard.ShardServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Adaptive graph snapshots: under heavy ingest a snapshot due by the checkpoint count waits, unless
 * the delta log passes its bound.
 */
class AdaptiveSnapshotTest {

    private static final int SHARDS = 2;
    private static final int MAX_PARALLELISM = 128;
    private static final int KEY = new ShardKeys(SHARDS, MAX_PARALLELISM).keyOf(0);
    private static final byte[] SPEC =
            ("{\"name\":\"docs\",\"dimension\":4,\"metric\":\"l2\",\"index\":{\"type\":\"hnsw\","
                            + "\"m\":8,\"ef_construction\":32}}")
                    .getBytes(StandardCharsets.UTF_8);

    private KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> harness;
    private final Random random = new Random(3);
    private long checkpoint;
    private long now;

    @BeforeEach
    void setUp() throws Exception {
        ShardServer.acquire("127.0.0.1", 0);
        harness =
                OperatorHarnesses.open(
                        SHARDS,
                        null,
                        conf -> {
                            conf.set(SnapshotOptions.EVERY_CHECKPOINTS, 1);
                            conf.set(SnapshotOptions.HEAVY_INGEST_RATE, 1000.0);
                        });
        harness.processElement(new StreamRecord<>(ShardOp.collection(KEY, "docs", SPEC)));
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
        ShardServer.release();
    }

    @Test
    void heavyIngestDefersTheSnapshotUntilItCalmsDownOrTheDeltaPassesItsBound() throws Exception {
        upserts(0, 5000);
        checkpointAt(0);
        assertThat(snapshots().committedEpoch(KEY, "docs")).isEqualTo(1);

        // 500 ops in 300 ms: 1,667/s, a small delta: the count rule waits.
        upserts(5000, 5500);
        checkpointAt(300);
        assertThat(snapshots().committedEpoch(KEY, "docs")).isEqualTo(1);
        assertThat(snapshots().snapshotsDeferred()).isEqualTo(1);

        // Quiet again: 10 ops in 10 s.
        upserts(5500, 5510);
        checkpointAt(10_300);
        assertThat(snapshots().committedEpoch(KEY, "docs")).isEqualTo(2);
        assertThat(snapshots().deltaLength()).isZero();

        // Heavy, but the delta passes 20 % of the collection: snapshot anyway.
        upserts(0, 1200);
        checkpointAt(10_600);
        assertThat(snapshots().committedEpoch(KEY, "docs")).isEqualTo(3);
        assertThat(snapshots().snapshotsDeferred()).isEqualTo(1);
    }

    @Test
    void collectionsDueTogetherTakeTurnsOverTheCadence() throws Exception {
        harness.close();
        int shards = 8;
        ShardKeys keys = new ShardKeys(shards, MAX_PARALLELISM);
        harness =
                OperatorHarnesses.open(
                        shards,
                        null,
                        conf -> {
                            conf.set(SnapshotOptions.EVERY_CHECKPOINTS, 4);
                            conf.set(SnapshotOptions.HEAVY_INGEST_RATE, 0.0);
                        });
        for (int s = 0; s < shards; s++) {
            harness.processElement(
                    new StreamRecord<>(ShardOp.collection(keys.keyOf(s), "docs", SPEC)));
            for (int i = 0; i < 20; i++) {
                harness.processElement(
                        new StreamRecord<>(
                                ShardOp.upsert(
                                        keys.keyOf(s),
                                        "docs",
                                        "p" + i,
                                        new float[] {s, i, 0, 1},
                                        null,
                                        ShardOp.NO_VERSION,
                                        0,
                                        i)));
            }
        }
        long[] written = new long[8];
        for (int c = 0; c < written.length; c++) {
            checkpointAt(c * 1000L);
            written[c] = snapshots().snapshotsWritten();
        }
        // All eight come due at the fourth checkpoint; two (8 / 4) are written per checkpoint.
        assertThat(written).containsExactly(0, 0, 0, 2, 4, 6, 8, 8);
        for (int s = 0; s < shards; s++) {
            assertThat(snapshots().committedEpoch(keys.keyOf(s), "docs")).isEqualTo(1);
        }
    }

    @Test
    void theRuleItself() {
        Configuration conf = new Configuration();
        conf.set(SnapshotOptions.EVERY_CHECKPOINTS, 2);
        SnapshotOptions o = SnapshotOptions.from(conf);
        assertThat(o.due(10, 10_000, 2, 0)).isTrue();
        assertThat(o.due(10, 10_000, 2, 5_000)).isFalse();
        assertThat(o.due(2_500, 10_000, 0, 5_000)).isTrue();
        assertThat(o.due(0, 10_000, 5, 0)).isFalse();
        conf.set(SnapshotOptions.HEAVY_INGEST_RATE, 0.0);
        assertThat(SnapshotOptions.from(conf).due(10, 10_000, 2, 1e9)).isTrue();
        conf.set(SnapshotOptions.HEAVY_INGEST_RATE, -1.0);
        assertThatThrownBy(() -> SnapshotOptions.from(conf))
                .hasMessageContaining("quiver.snapshot.heavy-ingest-rate");
    }

    /** A checkpoint at processing time {@code millis}, its snapshot (if any) committed. */
    private void checkpointAt(long millis) throws Exception {
        now = millis;
        harness.setProcessingTime(now);
        harness.prepareSnapshotPreBarrier(++checkpoint);
        await().atMost(Duration.ofSeconds(30)).until(() -> snapshots().idle());
        do {
            now += IndexOperator.STATUS_INTERVAL_MILLIS + 1;
            harness.setProcessingTime(now);
        } while (snapshots().uncommitted());
    }

    private GraphSnapshots snapshots() {
        return ((IndexOperator) harness.getOperator()).snapshots();
    }

    private void upserts(int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            float[] v = {
                random.nextFloat(), random.nextFloat(), random.nextFloat(), random.nextFloat()
            };
            harness.processElement(
                    new StreamRecord<>(
                            ShardOp.upsert(
                                    KEY, "docs", "p" + i, v, null, ShardOp.NO_VERSION, 0, i)));
        }
    }
}
