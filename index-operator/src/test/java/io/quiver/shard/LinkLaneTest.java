package io.quiver.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.index.hnsw.Storage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Points searchable before they are linked: a collection on a link lane answers every search as if
 * each write were in the index, while a drain held by the test (a {@link HeldExecutor}) or running
 * on real threads links them.
 */
class LinkLaneTest {

    private static final int DIM = 16;

    /** A linger no test waits out. */
    private static final long LINGER_HOUR = 3_600_000;

    private static final long SEED = 20261126L;
    private static final byte[] SPEC = "{}".getBytes(StandardCharsets.UTF_8);

    /** The lanes' executor, run only when the test says so, on the test's thread. */
    private static final class HeldExecutor implements Executor {
        private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        /** Runs every drain, including those the drains schedule, until none is left. */
        void runAll() {
            for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                task.run();
            }
        }
    }

    @Test
    void withTheDrainHeldUpsertsAreFoundDeletesVanishAndUpdatesScoreWithTheNewVector() {
        HeldExecutor held = new HeldExecutor();
        LiveCollection docs = collection(Metric.L2, Storage.FLOAT32, held, 10_000);
        float[][] vectors = random(300, SEED);
        for (int i = 0; i < vectors.length; i++) {
            docs.upsert("p" + i, vectors[i], null);
        }
        held.runAll();
        assertThat(docs.index().size()).isEqualTo(300);
        float[] q = random(1, SEED + 1)[0];
        String nearest = docs.search(q, 1, 400, null).id(0);

        docs.upsert("new", q.clone(), null);
        docs.delete(nearest);
        float[] moved = q.clone();
        moved[0] += 0.01f;
        docs.upsert("p7", moved, null);

        assertThat(docs.index().size()).as("nothing linked yet").isEqualTo(300);
        assertThat(docs.unlinked()).isEqualTo(3);
        SearchHits hits = docs.search(q, 10, 400, null);
        assertThat(hits.id(0)).isEqualTo("new");
        assertThat(hits.score(0)).isZero();
        assertThat(hits.id(1)).isEqualTo("p7");
        assertThat(hits.score(1)).isCloseTo(0.01f, within(1e-6f));
        assertThat(ids(hits)).doesNotContain(nearest);
        assertThat(docs.count(null)).isEqualTo(300);

        held.runAll();
        assertThat(docs.unlinked()).isZero();
        assertThat(docs.index().size()).isEqualTo(300);
        assertThat(ids(docs.search(q, 10, 400, null)))
                .as("now answered by the index alone")
                .isEqualTo(ids(docs.index().search(q, 10, 400, null)))
                .startsWith("new", "p7");
    }

    static Stream<Arguments> kinds() {
        List<Arguments> out = new ArrayList<>();
        for (Metric metric : Metric.values()) {
            for (Storage storage : Storage.values()) {
                out.add(Arguments.of(metric, storage, false));
                out.add(Arguments.of(metric, storage, true));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} filtered={2}")
    @MethodSource("kinds")
    void queuedAndLinkedPointsTogetherGiveTheExactTopK(
            Metric metric, Storage storage, boolean filtered) {
        HeldExecutor held = new HeldExecutor();
        LiveCollection docs = collection(metric, storage, held, 10_000);
        SplittableRandom rnd = new SplittableRandom(SEED);
        for (int i = 0; i < 400; i++) {
            docs.upsert("p" + i, vector(rnd), payload(i));
        }
        held.runAll();
        // Queued: new points, updates of linked ones, deletes of linked and of queued ones, and
        // ids deleted then written again.
        for (int i = 400; i < 520; i++) {
            docs.upsert("p" + i, vector(rnd), payload(i));
        }
        for (int i = 0; i < 60; i++) {
            docs.upsert("p" + (i * 5), vector(rnd), payload(i * 5 + 1));
        }
        for (int i = 0; i < 40; i++) {
            docs.delete("p" + (3 + i * 13));
        }
        for (int i = 0; i < 10; i++) {
            docs.upsert("p" + (3 + i * 13), vector(rnd), payload(i));
        }
        assertThat(docs.unlinked()).isGreaterThan(150);
        PayloadFilter filter =
                filtered
                        ? PayloadFilter.parse(
                                "{\"must\":[{\"key\":\"g\",\"match\":{\"value\":0}}]}"
                                        .getBytes(StandardCharsets.UTF_8))
                        : null;

        assertSameAsExact(docs, metric, filter, rnd);
        held.runAll();
        assertThat(docs.unlinked()).isZero();
        assertSameAsExact(docs, metric, filter, rnd);
        float[] q = vector(rnd);
        assertThat(ids(docs.search(q, 10, 2000, filter)))
                .isEqualTo(
                        ids(
                                docs.index()
                                        .search(
                                                q,
                                                10,
                                                2000,
                                                filter == null ? null : docs.passing(filter))));
    }

    private static void assertSameAsExact(
            LiveCollection docs, Metric metric, PayloadFilter filter, SplittableRandom rnd) {
        for (int n = 0; n < 30; n++) {
            float[] q = vector(rnd);
            // ef above the node count: the graph search is exhaustive.
            SearchHits hits = docs.search(q, 10, 2000, filter);
            SearchHits exact = docs.exactSearch(q, 10, filter);
            assertThat(ids(hits)).as("%s query %d", metric, n).isEqualTo(ids(exact));
            for (int i = 0; i < hits.size(); i++) {
                assertThat(hits.score(i))
                        .as("%s score of %s", metric, hits.id(i))
                        .isCloseTo(exact.score(i), within(1e-4f * Math.max(1f, exact.score(i))));
            }
        }
    }

    @Test
    void searchesWhileDrainsLinkNeverSeeADeletedIdNorADuplicateNorMissAnEarlierPoint()
            throws Exception {
        try (LinkLanes lanes = LinkLanes.withThreads(2, 64, lag -> {})) {
            LiveCollection docs = collection(Metric.L2, Storage.FLOAT32, null, 0);
            docs.linkOn(lanes);
            int n = 3000;
            int lagBehind = 20;
            float[][] stable = random(n, SEED);
            float[][] doomed = random(n, SEED + 1);
            AtomicLong stableUpTo = new AtomicLong(-1);
            AtomicLong deletedUpTo = new AtomicLong(-1);
            Queue<String> problems = new ConcurrentLinkedQueue<>();
            AtomicLong searches = new AtomicLong();
            Thread writer =
                    new Thread(
                            () -> {
                                SplittableRandom rnd = new SplittableRandom(SEED + 2);
                                for (int i = 0; i < n; i++) {
                                    docs.upsert("s" + i, stable[i], null);
                                    stableUpTo.set(i);
                                    docs.upsert("d" + i, doomed[i], null);
                                    docs.upsert("m" + (i % 50), vector(rnd), null);
                                    if (i >= lagBehind) {
                                        docs.delete("d" + (i - lagBehind));
                                        deletedUpTo.set(i - lagBehind);
                                    }
                                }
                            },
                            "writer");
            List<Thread> readers = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                long seed = SEED + 10 + r;
                readers.add(
                        new Thread(
                                () -> {
                                    SplittableRandom rnd = new SplittableRandom(seed);
                                    while (writer.isAlive()) {
                                        check(docs, stable, doomed, stableUpTo, deletedUpTo, rnd)
                                                .ifPresent(problems::add);
                                        searches.incrementAndGet();
                                    }
                                },
                                "reader-" + r));
            }
            writer.start();
            readers.forEach(Thread::start);
            writer.join();
            for (Thread t : readers) {
                t.join();
            }
            docs.awaitLinked();

            assertThat(problems).as("seed %d", SEED).isEmpty();
            assertThat(searches.get()).isPositive();
            assertThat(docs.unlinked()).isZero();
            assertThat(docs.index().size()).isEqualTo(n + lagBehind + 50);
        }
    }

    /** One search against the invariants; the problem found, if any. */
    private static java.util.Optional<String> check(
            LiveCollection docs,
            float[][] stable,
            float[][] doomed,
            AtomicLong stableUpTo,
            AtomicLong deletedUpTo,
            SplittableRandom rnd) {
        long upTo = stableUpTo.get();
        long deleted = deletedUpTo.get();
        if (upTo < 0) {
            return java.util.Optional.empty();
        }
        int j = rnd.nextInt((int) upTo + 1);
        SearchHits hits = docs.search(stable[j], 5, 200, null);
        if (hits.size() == 0 || !hits.id(0).equals("s" + j)) {
            return java.util.Optional.of("s" + j + " written before the search, got " + ids(hits));
        }
        // The point deleted last is the nearest to its own vector unless it is really gone.
        float[] q = deleted >= 0 ? doomed[(int) deleted] : stable[j];
        hits = docs.search(q, 10, 200, null);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < hits.size(); i++) {
            String id = hits.id(i);
            if (!seen.add(id)) {
                return java.util.Optional.of("duplicate " + id + " in " + ids(hits));
            }
            if (id.startsWith("d") && Long.parseLong(id.substring(1)) <= deleted) {
                return java.util.Optional.of(id + " deleted before the search, in " + ids(hits));
            }
        }
        return java.util.Optional.empty();
    }

    @Test
    void theWriterBlocksAtTheBoundUntilADrainFreesRoom() throws Exception {
        HeldExecutor held = new HeldExecutor();
        LinkLanes lanes = new LinkLanes(held, 4, lag -> {});
        LiveCollection docs = collection(Metric.L2, Storage.FLOAT32, null, 0);
        docs.linkOn(lanes);
        float[][] vectors = random(6, SEED);
        Thread writer =
                new Thread(
                        () -> {
                            for (int i = 0; i < vectors.length; i++) {
                                docs.upsert("p" + i, vectors[i], null);
                            }
                        },
                        "writer");
        writer.start();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> writer.getState() == Thread.State.WAITING);
        assertThat(lanes.queued()).isEqualTo(4);
        assertThat(docs.size()).as("the fifth upsert waits for room").isEqualTo(4);

        while (writer.isAlive()) {
            held.runAll();
        }
        held.runAll();
        assertThat(lanes.queued()).isZero();
        assertThat(docs.index().size()).isEqualTo(6);
    }

    @Test
    void aLingeringLaneDrainsAtAGroupAndNotBeforeUnlessItsLingerEnds() {
        HeldExecutor held = new HeldExecutor();
        LinkLanes lanes = new LinkLanes(held, 10_000, LINGER_HOUR, lag -> {});
        LiveCollection docs = collection(Metric.L2, Storage.FLOAT32, null, 0);
        docs.linkOn(lanes);
        float[][] vectors = random(LinkLane.GROUP + 5, SEED);
        for (int i = 0; i < LinkLane.GROUP - 1; i++) {
            docs.upsert("p" + i, vectors[i], null);
        }
        held.runAll();
        assertThat(docs.index().size()).as("a group short: lingering").isZero();
        assertThat(docs.search(vectors[3], 1, 100, null).id(0)).isEqualTo("p3");

        docs.upsert("p" + (LinkLane.GROUP - 1), vectors[LinkLane.GROUP - 1], null);
        held.runAll();
        assertThat(docs.index().size()).as("a full group drains at once").isEqualTo(LinkLane.GROUP);

        for (int i = LinkLane.GROUP; i < vectors.length; i++) {
            docs.upsert("p" + i, vectors[i], null);
        }
        held.runAll();
        assertThat(docs.unlinked()).isEqualTo(5);

        LinkLanes shortLinger = new LinkLanes(held, 10_000, 20, lag -> {});
        LiveCollection other = collection(Metric.L2, Storage.FLOAT32, null, 0);
        other.linkOn(shortLinger);
        other.upsert("q", vectors[0], null);
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> {
                            held.runAll();
                            return other.index().size() == 1;
                        });
        shortLinger.close();
    }

    @Test
    void waitingForTheLanesOrForRoomCutsTheirLingerShort() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            LinkLanes lanes = new LinkLanes(pool, 8, LINGER_HOUR, lag -> {});
            LiveCollection docs = collection(Metric.L2, Storage.FLOAT32, null, 0);
            docs.linkOn(lanes);
            float[][] vectors = random(20, SEED);
            for (int i = 0; i < 5; i++) {
                docs.upsert("p" + i, vectors[i], null);
            }
            Runnable firstFive = docs.linkedSoFar();
            // The writer held at the bound (8) makes the lanes drain instead of lingering.
            for (int i = 5; i < vectors.length; i++) {
                docs.upsert("p" + i, vectors[i], null);
            }
            firstFive.run();
            assertThat(docs.index().size()).isGreaterThanOrEqualTo(5);
            docs.awaitLinked();
            assertThat(docs.index().size()).isEqualTo(20);
            lanes.close();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSnapshotWaitOnAnotherThreadDrainsALingeringLane() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            LinkLanes lanes = new LinkLanes(pool, 10_000, LINGER_HOUR, lag -> {});
            LiveCollection docs = collection(Metric.L2, Storage.FLOAT32, null, 0);
            docs.linkOn(lanes);
            float[][] vectors = random(3, SEED);
            for (int i = 0; i < vectors.length; i++) {
                docs.upsert("p" + i, vectors[i], null);
            }
            Runnable linked = docs.linkedSoFar();
            Thread waiter = new Thread(linked, "snapshot");
            waiter.start();
            waiter.join(Duration.ofMinutes(2).toMillis());
            assertThat(waiter.isAlive())
                    .as("the wait ended well before the hour's linger")
                    .isFalse();
            assertThat(docs.index().size()).isEqualTo(3);
            lanes.close();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aLinkingFailureIsRethrownOnTheWritersNextCallAndItsPointsStaySearchable() {
        HeldExecutor held = new HeldExecutor();
        LinkLanes lanes = new LinkLanes(held, 100, lag -> {});
        LiveCollection docs = collection(Metric.COSINE, Storage.FLOAT32, null, 0);
        docs.linkOn(lanes);
        float[][] vectors = random(3, SEED);
        docs.upsert("p0", vectors[0], null);
        // Cosine similarity cannot link an all-zero vector: the index refuses it.
        docs.upsert("zero", new float[DIM], null);
        docs.upsert("p1", vectors[1], null);
        held.runAll();

        assertThatThrownBy(() -> docs.upsert("p2", vectors[2], null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("linking")
                .hasRootCauseMessage(
                        "vector is all zeros: cosine similarity needs a non-zero vector");
        assertThatThrownBy(docs::awaitLinked).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(lanes::checkFailure).isInstanceOf(IllegalStateException.class);
        assertThat(lanes.queued()).as("the failed lane gave its ops up").isZero();
        assertThat(ids(docs.search(vectors[1], 3, 100, null))).contains("p0", "p1");
    }

    /** An HNSW collection, on lanes over {@code executor} when it is not null. */
    private static LiveCollection collection(
            Metric metric, Storage storage, Executor executor, int maxUnlinked) {
        HnswIndex index =
                HnswIndex.builder(DIM, metric)
                        .m(8)
                        .efConstruction(100)
                        .storage(storage)
                        .calibrationSample(200)
                        .build();
        LiveCollection c = new LiveCollection("docs", SPEC, 64, index);
        if (executor != null) {
            c.linkOn(new LinkLanes(executor, maxUnlinked, lag -> {}));
        }
        return c;
    }

    private static byte[] payload(int i) {
        return ("{\"g\":" + (i % 3) + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> ids(SearchHits hits) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < hits.size(); i++) {
            out.add(hits.id(i));
        }
        return out;
    }

    private static float[] vector(SplittableRandom rnd) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = (float) rnd.nextDouble(-1, 1);
        }
        return v;
    }

    private static float[][] random(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = vector(rnd);
        }
        return out;
    }
}
