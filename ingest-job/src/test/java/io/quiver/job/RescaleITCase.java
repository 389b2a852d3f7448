package io.quiver.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quiver.job.testing.FlinkTestCluster;
import io.quiver.schemas.Topics;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.status.ShardStatus;
import io.quiver.testkit.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rescaling from a savepoint: shards move between subtasks with their keyed state (records, graph
 * snapshots, delta logs), and every subtask restores and announces the shards it owns now.
 */
class RescaleITCase {

    private static final int SHARDS = 8;
    private static final int MAX_PARALLELISM = 128;
    private static final int DIM = 8;
    private static final Topics TOPICS = new Topics("rs");
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, MAX_PARALLELISM);
    private static final String[] COLLECTIONS = {"graph", "exact"};

    @TempDir static Path tmp;

    private static EmbeddedKafka kafka;
    private static FlinkTestCluster cluster;
    private static JobProbe probe;

    @BeforeAll
    static void start() throws Exception {
        kafka = JobProbe.startBroker(TOPICS, 4);
        cluster = FlinkTestCluster.start(tmp, 4);
        probe = new JobProbe(cluster, KEYS, TOPICS);
    }

    @AfterAll
    static void stop() throws Exception {
        JobProbe.closeAll(probe, cluster, kafka);
    }

    @Test
    void aSavepointAtParallelismTwoRestoresAtOneAndAtFourWithEveryVectorSearchable()
            throws Exception {
        Map<String, float[]> points = new ConcurrentHashMap<>();
        Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();
        JobClient job = submit(2, null);
        Random random = new Random(41);
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            probe.putCollection(
                    producer,
                    "graph",
                    "{\"dimension\": " + DIM + ", \"metric\": \"cosine\", \"index\": {\"m\": 8}}");
            probe.putCollection(
                    producer,
                    "exact",
                    "{\"dimension\": "
                            + DIM
                            + ", \"metric\": \"cosine\", \"index\": {\"type\": \"flat\"}}");
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                float[] v = vector(random);
                points.put("p" + i, v);
                for (String c : COLLECTIONS) {
                    sent.add(probe.upsert(producer, c, "p" + i, v));
                }
            }
            for (int i = 0; i < 3000; i += 10) {
                points.remove("p" + i);
                for (String c : COLLECTIONS) {
                    sent.add(probe.delete(producer, c, "p" + i));
                }
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata m = f.get();
                lastOffsets.merge(m.partition(), m.offset(), Math::max);
            }
        }
        int[] partitions = JobProbe.partitions(lastOffsets);
        long[] offsets = JobProbe.offsets(lastOffsets);
        Map<Integer, ShardStatus> shards = probe.awaitAllShards(job.getJobID());
        List<List<String>> before = searches(shards, partitions, offsets);
        long count = probe.totalVectors(job.getJobID());
        assertThat(count).isEqualTo(2L * points.size());
        String savepoint =
                job.stopWithSavepoint(
                                false,
                                tmp.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get(60, TimeUnit.SECONDS);

        for (int parallelism : new int[] {1, 4}) {
            JobClient rescaled = submit(parallelism, savepoint);
            try {
                Map<Integer, ShardStatus> moved = probe.awaitFreshStatuses(rescaled.getJobID());
                assertThat(moved).hasSize(SHARDS);
                assertThat(probe.totalVectors(rescaled.getJobID()))
                        .as("vectors at parallelism %d", parallelism)
                        .isEqualTo(count);
                assertThat(searches(moved, partitions, offsets))
                        .as("top-10 at parallelism %d", parallelism)
                        .isEqualTo(before);
                // Every subtask owns shards and restored them from the savepoint.
                JobID id = rescaled.getJobID();
                await("every subtask reports its shards and restored records")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .ignoreExceptions()
                        .until(
                                () ->
                                        probe.indexMetricSum(id, "shards") == SHARDS
                                                && probe.indexMetricSum(id, "restoredRecords")
                                                        == count);
            } finally {
                rescaled.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Top-10 ids of 20 seeded queries in both collections; ef above any shard's size makes the
     * graph search exhaustive, so a graph rebuilt from the records answers alike.
     */
    private static List<List<String>> searches(
            Map<Integer, ShardStatus> shards, int[] partitions, long[] offsets) throws Exception {
        Random queries = new Random(43);
        List<List<String>> out = new ArrayList<>();
        for (int q = 0; q < 20; q++) {
            float[] query = vector(queries);
            List<String> graph =
                    JobProbe.ids(
                            probe.search(shards, "graph", query, 10, 3000, partitions, offsets));
            List<String> exact =
                    JobProbe.ids(probe.search(shards, "exact", query, 10, 0, partitions, offsets));
            assertThat(graph).as("query %d", q).isEqualTo(exact);
            Set<String> distinct = new HashSet<>(graph);
            assertThat(distinct).hasSize(10);
            out.add(graph);
        }
        return out;
    }

    private static JobClient submit(int parallelism, String savepoint) throws Exception {
        return cluster.submit(
                JobProbe.jobOptions(kafka, TOPICS, KEYS)
                        .parallelism(parallelism)
                        .jobName("quiver-rescale-it-" + parallelism)
                        .build(),
                savepoint);
    }

    private static float[] vector(Random random) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = random.nextFloat() - 0.5f;
        }
        return v;
    }
}
