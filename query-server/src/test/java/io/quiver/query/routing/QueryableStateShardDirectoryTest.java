package io.quiver.query.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.status.ShardStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueryableStateShardDirectoryTest {

    private static final int SHARDS = 4;
    private final ShardKeys keys = new ShardKeys(SHARDS, 128);
    private final AtomicLong clock = new AtomicLong();
    private final AtomicInteger jobLookups = new AtomicInteger();
    private volatile JobID job = JobID.generate();
    private volatile boolean restUp = true;

    /** Per Flink key: what the next lookup answers. */
    private final Map<Integer, Object> answers = new ConcurrentHashMap<>();

    private final JobLocator locator =
            () -> {
                jobLookups.incrementAndGet();
                if (!restUp) {
                    throw new IOException("connection refused");
                }
                return Optional.ofNullable(job);
            };

    private final ShardStatusLookup lookup =
            new ShardStatusLookup() {
                @Override
                public CompletableFuture<byte[]> lookup(JobID jobId, int key) {
                    Object a = answers.get(key);
                    if (a instanceof Throwable t) {
                        return CompletableFuture.failedFuture(t);
                    }
                    if (a == null) {
                        return CompletableFuture.failedFuture(
                                new RuntimeException("UnknownKeyOrNamespaceException"));
                    }
                    return CompletableFuture.completedFuture((byte[]) a);
                }

                @Override
                public void close() {}
            };

    private final QueryableStateShardDirectory directory =
            new QueryableStateShardDirectory(
                    keys,
                    locator,
                    lookup,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(10),
                    clock::get);

    @AfterEach
    void close() {
        directory.close();
    }

    private void status(int shard, String host, int port, boolean ready, long updatedAt) {
        ShardStatus s =
                new ShardStatus(
                        shard,
                        SHARDS,
                        host,
                        port,
                        ready,
                        10,
                        1,
                        updatedAt,
                        new int[] {0, 1},
                        new long[] {41, 7});
        answers.put(keys.keyOf(shard), s.toBytes());
    }

    private void allReady(long updatedAt) {
        for (int s = 0; s < SHARDS; s++) {
            status(s, "tm" + (s % 2), 7000 + s % 2, true, updatedAt);
        }
    }

    private void advance(long seconds) {
        clock.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Test
    void locatesReadyShardsWithTheirOffsets() {
        allReady(1);
        directory.refreshOnce();
        assertThat(directory.allReady()).isTrue();
        ShardInfo s1 = directory.shard(1);
        assertThat(s1.state()).isEqualTo(ShardState.READY);
        assertThat(s1.endpoint()).isEqualTo(new ShardEndpoint("tm1", 7001));
        assertThat(s1.appliedOffsets()).containsEntry(0, 41L).containsEntry(1, 7L);
    }

    @Test
    void aShardThatIsNotReadyIsRecovering() {
        allReady(1);
        status(2, "tm0", 7000, false, 1);
        directory.refreshOnce();
        assertThat(directory.shard(2).state()).isEqualTo(ShardState.RECOVERING);
        assertThat(directory.allReady()).isFalse();
    }

    @Test
    void unknownKvStateLocationMeansRecoveringAndKeepsTheLastEndpoint() {
        allReady(1);
        directory.refreshOnce();
        answers.put(
                keys.keyOf(3),
                new RuntimeException(
                        "Failed request 4.",
                        new RuntimeException(
                                "org.apache.flink.runtime.query.UnknownKvStateLocation: No"
                                        + " KvStateLocation found for KvState instance")));
        directory.refreshOnce();
        assertThat(directory.shard(3).state()).isEqualTo(ShardState.RECOVERING);
        assertThat(directory.shard(3).endpoint()).isEqualTo(new ShardEndpoint("tm1", 7001));
        assertThat(directory.shard(0).state()).isEqualTo(ShardState.READY);
    }

    @Test
    void aStatusThatStopsAdvancingTurnsStale() {
        allReady(1);
        directory.refreshOnce();
        advance(3);
        directory.refreshOnce();
        assertThat(directory.shard(0).state()).isEqualTo(ShardState.READY);
        advance(3);
        allReady(2);
        status(0, "tm0", 7000, true, 1); // shard 0 stopped refreshing its status
        directory.refreshOnce();
        assertThat(directory.shard(0).state()).isEqualTo(ShardState.STALE);
        assertThat(directory.shard(1).state()).isEqualTo(ShardState.READY);
    }

    @Test
    void failedLookupsKeepTheLastStatusUntilItIsStale() {
        allReady(1);
        directory.refreshOnce();
        for (int s = 0; s < SHARDS; s++) {
            answers.put(keys.keyOf(s), new IOException("Connection refused"));
        }
        advance(2);
        directory.refreshOnce();
        assertThat(directory.shard(0).state()).isEqualTo(ShardState.READY);
        advance(4);
        directory.refreshOnce();
        assertThat(directory.shard(0).state()).isEqualTo(ShardState.STALE);
    }

    @Test
    void reResolvesTheJobWhenItIsGone() {
        allReady(1);
        directory.refreshOnce();
        assertThat(jobLookups.get()).isEqualTo(1);
        for (int s = 0; s < SHARDS; s++) {
            answers.put(
                    keys.keyOf(s),
                    new RuntimeException("FlinkJobNotFoundException: Could not find Flink job"));
        }
        directory.refreshOnce();
        assertThat(directory.shard(0).state()).isEqualTo(ShardState.RECOVERING);
        job = JobID.generate();
        allReady(5);
        directory.refreshOnce();
        assertThat(jobLookups.get()).isEqualTo(2);
        assertThat(directory.allReady()).isTrue();
    }

    @Test
    void whenNoShardAnswersTheJobIsLookedUpAgainAtOnce() {
        allReady(1);
        directory.refreshOnce();
        for (int s = 0; s < SHARDS; s++) {
            answers.put(
                    keys.keyOf(s),
                    new RuntimeException(
                            "Failed request 3.\n Caused by:"
                                    + " org.apache.flink.queryablestate.exceptions."
                                    + "UnknownLocationException: Could not retrieve location"));
        }
        directory.refreshOnce();
        assertThat(directory.shard(0).state()).isEqualTo(ShardState.RECOVERING);
        assertThat(jobLookups.get()).isEqualTo(1);
        job = JobID.generate(); // cancelled and resubmitted
        allReady(2);
        directory.refreshOnce();
        assertThat(jobLookups.get()).isEqualTo(2);
        assertThat(directory.allReady()).isTrue();
    }

    @Test
    void summarizesProxyFailuresByTheirCause() {
        assertThat(
                        QueryableStateShardDirectory.summary(
                                new RuntimeException(
                                        "Failed request 7.\n Caused by: x.Boom: it broke\n\tat y")))
                .isEqualTo("x.Boom: it broke");
        assertThat(QueryableStateShardDirectory.summary(new java.io.IOException("refused")))
                .isEqualTo("IOException: refused");
    }

    @Test
    void rechecksTheJobPeriodically() {
        allReady(1);
        directory.refreshOnce();
        advance(11);
        allReady(2);
        directory.refreshOnce();
        assertThat(jobLookups.get()).isEqualTo(2);
    }

    @Test
    void withoutARunningJobEveryShardIsUnknownOrRecovering() {
        job = null;
        directory.refreshOnce();
        assertThat(directory.shard(0).state()).isEqualTo(ShardState.UNKNOWN);
        job = JobID.generate();
        allReady(1);
        directory.refreshOnce();
        assertThat(directory.allReady()).isTrue();
        job = null;
        advance(11);
        directory.refreshOnce();
        assertThat(directory.shard(0).state()).isEqualTo(ShardState.RECOVERING);
    }

    @Test
    void unreachableRestApiLeavesShardsUnknown() {
        restUp = false;
        directory.refreshOnce();
        assertThat(directory.shards()).allMatch(s -> s.state() == ShardState.UNKNOWN);
    }

    @Test
    void refreshCompletesAfterAFreshRound() throws Exception {
        allReady(1);
        directory.start();
        directory.refresh().get(5, TimeUnit.SECONDS);
        assertThat(directory.allReady()).isTrue();
    }

    @Test
    void aStatusOfAnotherShardLayoutIsNotUsed() {
        allReady(1);
        answers.put(
                keys.keyOf(2),
                new ShardStatus(2, 8, "tm0", 7000, true, 0, 0, 1, new int[0], new long[0])
                        .toBytes());
        directory.refreshOnce();
        assertThat(directory.shard(2).state()).isEqualTo(ShardState.UNKNOWN);
        assertThat(directory.shard(2).searchable()).isFalse();
    }

    @Test
    void aStatusWithABadEndpointIsNotSearchable() {
        allReady(1);
        status(1, "tm1", 0, true, 1);
        directory.refreshOnce();
        assertThat(directory.shard(1).searchable()).isFalse();
    }
}
