package io.quiver.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.flat.FlatIndex;
import io.quiver.job.testing.FlinkTestCluster;
import io.quiver.operator.RebuildOptions;
import io.quiver.schemas.Topics;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.status.ShardStatus;
import io.quiver.testkit.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Background rebuilds in the running job (MiniCluster, RocksDB, in-process Kafka): first for
 * tombstones past the share, then for a changed {@code m}, each while searches and ingest go on.
 */
class BackgroundRebuildITCase {

    private static final int SHARDS = 4;
    private static final int MAX_PARALLELISM = 128;
    private static final int DIM = 8;
    private static final String COLLECTION = "rebuilt";
    private static final Topics TOPICS = new Topics("rb");
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, MAX_PARALLELISM);
    private static final String SPEC =
            "{\"dimension\": "
                    + DIM
                    + ", \"metric\": \"cosine\", \"index\": {\"type\": \"hnsw\", \"m\": 8,"
                    + " \"ef_construction\": 64}}";

    @TempDir static Path tmp;

    private static EmbeddedKafka kafka;
    private static FlinkTestCluster cluster;
    private static JobClient job;
    private static JobProbe probe;

    private final Map<String, float[]> expected = new ConcurrentHashMap<>();
    private final Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        kafka = JobProbe.startBroker(TOPICS, 2);
        Configuration extra = new Configuration();
        // Small shards here: a few hundred tombstones must be enough to rebuild.
        extra.set(RebuildOptions.MIN_TOMBSTONES, 100);
        cluster = FlinkTestCluster.start(tmp, 2, extra);
        job =
                cluster.submit(
                        JobProbe.jobOptions(kafka, TOPICS, KEYS)
                                .parallelism(2)
                                .jobName("quiver-rebuild-it")
                                .build(),
                        null);
        probe = new JobProbe(cluster, KEYS, TOPICS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (job != null) {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        JobProbe.closeAll(probe, cluster, kafka);
    }

    @Test
    void rebuildsUnderSearchesAndIngestLoseNothingAndMatchAFreshBuild() throws Exception {
        JobID id = job.getJobID();
        Random random = new Random(31);
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            probe.putCollection(producer, COLLECTION, SPEC);
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 4000; i++) {
                sent.add(upsert(producer, "p" + i, vector(random)));
            }
            acknowledge(producer, sent);
        }
        Map<Integer, ShardStatus> shards = probe.awaitAllShards(id);
        assertEqualsFreshBuild(shards);

        Searcher searcher = new Searcher(shards);
        Ingest ingest = new Ingest();
        searcher.start();
        ingest.start();
        try {
            // A third deleted: every shard's graph passes the 20 % tombstone share.
            try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int i = 0; i < 4000; i += 3) {
                    expected.remove("p" + i);
                    sent.add(probe.delete(producer, COLLECTION, "p" + i));
                }
                acknowledge(producer, sent);
            }
            awaitMetricAtLeast(id, "rebuildsDone", SHARDS);
            assertThat(probe.indexMetricSum(id, "tombstones")).isLessThan(0.2 * expected.size());

            // A new m: rebuilt in the background again, the old graphs serving meanwhile.
            try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
                probe.putCollection(producer, COLLECTION, SPEC.replace("\"m\": 8", "\"m\": 12"));
            }
            awaitMetricAtLeast(id, "rebuildsDone", 2 * SHARDS);
        } finally {
            ingest.finish();
            searcher.finish();
        }
        assertThat(ingest.failure.get()).isNull();
        assertThat(ingest.written.get()).isPositive();
        assertThat(searcher.failure.get()).isNull();
        assertThat(searcher.searches.get()).isPositive();
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> probe.indexMetricSum(id, "rebuildsRunning") == 0);

        assertEqualsFreshBuild(shards);
        assertThat(probe.totalVectors(id)).isEqualTo(expected.size());
        // Every acknowledged write is there: each point finds itself.
        int[] partitions = JobProbe.partitions(lastOffsets);
        long[] offsets = JobProbe.offsets(lastOffsets);
        int checked = 0;
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            if (checked++ % 7 == 0) {
                List<JobProbe.Hit> hits =
                        probe.search(
                                shards, COLLECTION, e.getValue(), 10, 256, partitions, offsets);
                assertThat(JobProbe.ids(hits)).as("point %s", e.getKey()).contains(e.getKey());
            }
        }
    }

    /**
     * Top-10 of 20 seeded queries over the job's shards equal those of an exact index built from
     * the same points, which a fresh graph build searched exhaustively must match; ef above every
     * shard's size makes the shards' graph searches exhaustive.
     */
    private void assertEqualsFreshBuild(Map<Integer, ShardStatus> shards) throws Exception {
        FlatIndex fresh = new FlatIndex(DIM, Metric.COSINE);
        for (Map.Entry<String, float[]> e : expected.entrySet()) {
            fresh.upsert(e.getKey(), e.getValue());
        }
        // The shards cap ef at 10,000; each shard holds well under that.
        int ef = Math.min(expected.size(), 10_000);
        Random queries = new Random(5);
        for (int q = 0; q < 20; q++) {
            float[] query = vector(queries);
            SearchHits want = fresh.search(query, 10, ef, null);
            List<String> wanted = new ArrayList<>();
            for (int i = 0; i < want.size(); i++) {
                wanted.add(want.id(i));
            }
            List<JobProbe.Hit> got =
                    probe.search(
                            shards,
                            COLLECTION,
                            query,
                            10,
                            ef,
                            JobProbe.partitions(lastOffsets),
                            JobProbe.offsets(lastOffsets));
            assertThat(JobProbe.ids(got)).as("query %d", q).isEqualTo(wanted);
        }
    }

    private void awaitMetricAtLeast(JobID id, String name, double atLeast) {
        await("index." + name + " >= " + atLeast)
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> probe.indexMetricSum(id, name) >= atLeast);
    }

    private Future<RecordMetadata> upsert(
            KafkaProducer<byte[], byte[]> producer, String pointId, float[] v) {
        expected.put(pointId, v);
        return probe.upsert(producer, COLLECTION, pointId, v);
    }

    private void acknowledge(
            KafkaProducer<byte[], byte[]> producer, List<Future<RecordMetadata>> sent)
            throws Exception {
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata m = f.get();
            lastOffsets.merge(m.partition(), m.offset(), Math::max);
        }
    }

    private static float[] vector(Random random) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = random.nextFloat() - 0.5f;
        }
        return v;
    }

    /** Searches all shards in a loop; the first failure is kept. */
    private final class Searcher extends Thread {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong searches = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Map<Integer, ShardStatus> shards;

        Searcher(Map<Integer, ShardStatus> shards) {
            super("rebuild-it-searcher");
            this.shards = shards;
        }

        @Override
        public void run() {
            Random queries = new Random(17);
            while (running.get() && failure.get() == null) {
                try {
                    List<JobProbe.Hit> hits =
                            probe.search(
                                    shards,
                                    COLLECTION,
                                    vector(queries),
                                    10,
                                    64,
                                    new int[0],
                                    new long[0]);
                    assertThat(hits).hasSize(10);
                    searches.incrementAndGet();
                } catch (Throwable e) {
                    failure.set(e);
                }
            }
        }

        void finish() throws InterruptedException {
            running.set(false);
            join();
        }
    }

    /** Upserts new points in acknowledged batches until stopped. */
    private final class Ingest extends Thread {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong written = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Ingest() {
            super("rebuild-it-ingest");
        }

        @Override
        public void run() {
            Random random = new Random(23);
            try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
                int next = 0;
                while (running.get()) {
                    List<Future<RecordMetadata>> sent = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        sent.add(upsert(producer, "n" + next++, vector(random)));
                    }
                    acknowledge(producer, sent);
                    written.addAndGet(sent.size());
                    Thread.sleep(100);
                }
            } catch (Throwable e) {
                failure.set(e);
            }
        }

        void finish() throws InterruptedException {
            running.set(false);
            join();
        }
    }
}
