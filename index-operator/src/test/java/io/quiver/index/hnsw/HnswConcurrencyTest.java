package io.quiver.index.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HnswConcurrencyTest {

    private static final long SEED = Long.getLong("quiver.test.seed", 99L);
    private static final int DIM = 24;

    @Test
    void oneWriterAndFourSearchersNeverSeeACompletedDelete() throws Exception {
        float[][] vectors = TestVectors.clustered(SEED, 12_000, DIM, 30);
        HnswIndex index = HnswIndex.builder(DIM, Metric.L2).efConstruction(64).seed(SEED).build();
        for (int i = 0; i < 2000; i++) {
            index.upsert("v" + i, vectors[i]);
        }
        // Sequence number at which each delete returned; a search that started later must not
        // return the id.
        AtomicLong clock = new AtomicLong();
        Map<String, Long> deletedAt = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicLong searches = new AtomicLong();

        Thread writer =
                new Thread(
                        () -> {
                            SplittableRandom random = new SplittableRandom(SEED);
                            try {
                                int next = 2000;
                                long deadline = System.nanoTime() + 2_500_000_000L;
                                while (System.nanoTime() < deadline && next < vectors.length) {
                                    index.upsert("v" + next, vectors[next]);
                                    next++;
                                    if (next % 3 == 0) {
                                        String victim = "v" + random.nextInt(next);
                                        if (index.delete(victim)) {
                                            deletedAt.put(victim, clock.incrementAndGet());
                                        }
                                    }
                                }
                            } catch (Throwable e) {
                                failures.add(e);
                            } finally {
                                stop.set(true);
                            }
                        });
        List<Thread> searchers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int seed = t;
            searchers.add(
                    new Thread(
                            () -> {
                                SplittableRandom random = new SplittableRandom(seed);
                                try {
                                    while (!stop.get()) {
                                        long started = clock.get();
                                        float[] q = vectors[random.nextInt(vectors.length)];
                                        SearchHits hits = index.search(q, 10, 40, null);
                                        for (int i = 0; i < hits.size(); i++) {
                                            Long at = deletedAt.get(hits.id(i));
                                            if (at != null && at <= started) {
                                                throw new AssertionError(
                                                        hits.id(i) + " returned after its delete");
                                            }
                                        }
                                        searches.incrementAndGet();
                                    }
                                } catch (Throwable e) {
                                    failures.add(e);
                                }
                            }));
        }
        writer.start();
        searchers.forEach(Thread::start);
        writer.join(30_000);
        for (Thread s : searchers) {
            s.join(30_000);
        }
        assertThat(failures).as("seed %d", SEED).isEmpty();
        assertThat(searches.get()).isPositive();

        // Recall on the final live set, against brute force. Every id was upserted once, in
        // order, so node i holds v{i}.
        int inserted = index.nodeCount();
        boolean[] live = new boolean[vectors.length];
        int alive = 0;
        for (int i = 0; i < inserted; i++) {
            live[i] = !deletedAt.containsKey("v" + i);
            alive += live[i] ? 1 : 0;
        }
        assertThat(index.size()).isEqualTo(alive);
        long hits = 0;
        SplittableRandom random = new SplittableRandom(SEED + 1);
        int queries = 200;
        for (int qi = 0; qi < queries; qi++) {
            float[] q = vectors[random.nextInt(vectors.length)];
            SearchHits found = index.search(q, 10, 100, null);
            int[] ids = new int[found.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = Integer.parseInt(found.id(i).substring(1));
            }
            hits +=
                    TestVectors.overlap(
                            TestVectors.bruteForce(Metric.L2, vectors, live, q, 10),
                            ids,
                            ids.length);
        }
        assertThat(hits / (queries * 10.0))
                .as("recall after churn, seed %d", SEED)
                .isGreaterThan(0.9);
    }
}
