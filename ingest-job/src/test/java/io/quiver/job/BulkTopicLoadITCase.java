package io.quiver.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quiver.job.bulk.LoadedOffsets;
import io.quiver.schemas.DeadLetterHeaders;
import io.quiver.schemas.Topics;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.status.ShardStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bulk load from the upserts topic (20k upserts, replacements, deletes, bad records, two
 * collections), then the streaming job started from its savepoint with more writes on top: exact
 * counts, every live point found by its own vector, deleted ones absent, every bad record in the
 * dead-letter topic once, and the streaming job applying exactly the records after the load.
 */
class BulkTopicLoadITCase {

    private static final int SHARDS = 8;
    private static final int MAX_PARALLELISM = 128;
    private static final int DIM = 8;
    private static final String MAIN = "from-topic";
    private static final String OTHER = "second";
    private static final Topics TOPICS = new Topics("bt");
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, MAX_PARALLELISM);

    @RegisterExtension static final JobProbe.Stack STACK = new JobProbe.Stack(TOPICS, KEYS, 2);

    /**
     * Live points per collection as the test wrote them, and deleted ids with their last vector.
     */
    private final Map<String, Map<String, float[]>> live = new HashMap<>();

    private final Map<String, float[]> deleted = new HashMap<>();
    private final Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();
    private final Random random = new Random(73);
    private final JobProbe probe = STACK.probe();

    @Test
    void theStreamingJobContinuesExactlyAfterATopicLoad() throws Exception {
        live.put(MAIN, new HashMap<>());
        live.put(OTHER, new HashMap<>());
        try (KafkaProducer<byte[], byte[]> producer = STACK.kafka().createProducer()) {
            probe.putCollection(
                    producer,
                    MAIN,
                    "{\"dimension\": "
                            + DIM
                            + ", \"metric\": \"cosine\", \"index\": {\"m\": 12,"
                            + " \"ef_construction\": 100}}");
            // Flat: exact search, restored from the records (it keeps no graph).
            probe.putCollection(
                    producer,
                    OTHER,
                    "{\"dimension\": "
                            + DIM
                            + ", \"metric\": \"cosine\", \"index\": {\"type\": \"flat\"}}");
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                sent.add(upsert(producer, MAIN, "u" + i));
            }
            for (int i = 0; i < 500; i++) {
                sent.add(upsert(producer, OTHER, "o" + i));
            }
            for (int i = 0; i < 2_000; i++) {
                sent.add(upsert(producer, MAIN, "u" + i)); // replaced: the later vector wins
            }
            for (int i = 2_000; i < 3_000; i++) {
                sent.add(delete(producer, MAIN, "u" + i));
            }
            for (int i = 2_000; i < 2_100; i++) {
                sent.add(upsert(producer, MAIN, "u" + i)); // written again after its delete
            }
            sent.addAll(badRecords(producer, "b", 4));
            acknowledged(producer, sent);
        }
        Map<Integer, Long> loadedOffsets = new HashMap<>(lastOffsets);

        Path savepointDir = STACK.dir().resolve("topic-savepoint");
        int code = STACK.bulkLoad(savepointDir, "--bulk-topic", TOPICS.upserts());
        assertThat(code).isZero();
        assertThat(deadLetters()).hasSize(4);
        LoadedOffsets loaded = LoadedOffsets.readFrom(savepointDir.toUri().toString());
        assertThat(loaded.topic()).isEqualTo(TOPICS.upserts());
        loadedOffsets.forEach((p, last) -> assertThat(loaded.next()).containsEntry(p, last + 1));

        JobID id =
                STACK.startFromBulkSavepoint(
                        savepointDir.toUri().toString(), "quiver-topic-load-it");
        Map<Integer, ShardStatus> shards = probe.awaitAllShards(id);
        for (ShardStatus s : shards.values()) {
            Map<Integer, Long> applied = new HashMap<>();
            for (int i = 0; i < s.appliedPartitions().length; i++) {
                applied.put(s.appliedPartitions()[i], s.appliedOffsets()[i]);
            }
            assertThat(applied)
                    .as("shard %d's applied offsets", s.shard())
                    .isEqualTo(loadedOffsets);
        }

        int streamedUpserts = 0;
        int streamedDeletes = 0;
        try (KafkaProducer<byte[], byte[]> producer = STACK.kafka().createProducer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 1_000; i++, streamedUpserts++) {
                sent.add(upsert(producer, MAIN, "n" + i));
            }
            for (int i = 3_000; i < 3_200; i++, streamedUpserts++) {
                sent.add(upsert(producer, MAIN, "u" + i));
            }
            for (int i = 5_000; i < 5_300; i++, streamedDeletes++) {
                sent.add(delete(producer, MAIN, "u" + i));
            }
            sent.addAll(badRecords(producer, "s", 2));
            acknowledged(producer, sent);
        }
        // A session search waits until every shard applied everything written so far.
        float[] probeVector = live.get(MAIN).get("n999");
        List<JobProbe.Hit> first =
                probe.search(
                        shards,
                        MAIN,
                        probeVector,
                        10,
                        64,
                        JobProbe.partitions(lastOffsets),
                        JobProbe.offsets(lastOffsets));
        assertThat(JobProbe.ids(first)).contains("n999");

        // Applied exactly once: only the records written after the load.
        int upserts = streamedUpserts;
        await("the index operator's counters catch up")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> probe.indexMetricSum(id, "upserts") >= upserts);
        assertThat(probe.indexMetricSum(id, "upserts")).isEqualTo(streamedUpserts);
        assertThat(probe.indexMetricSum(id, "deletes")).isEqualTo(streamedDeletes);
        await("the streamed bad records reach the dead-letter topic")
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> deadLetters().size() >= 6);
        assertThat(deadLetters()).hasSize(6);

        int expected = live.get(MAIN).size() + live.get(OTHER).size();
        assertThat(expected).isEqualTo(19_100 + 1_000 - 300 + 500);
        assertThat(probe.totalVectors(id)).isEqualTo(expected);
        assertEveryPointFoundAndDeletedOnesAbsent(shards);
    }

    private void assertEveryPointFoundAndDeletedOnesAbsent(Map<Integer, ShardStatus> shards)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> checks = new ArrayList<>();
            for (Map.Entry<String, Map<String, float[]>> c : live.entrySet()) {
                for (Map.Entry<String, float[]> p : c.getValue().entrySet()) {
                    checks.add(pool.submit(() -> findsOrError(shards, c.getKey(), p, true)));
                }
            }
            for (Map.Entry<String, float[]> p : deleted.entrySet()) {
                checks.add(pool.submit(() -> findsOrError(shards, MAIN, p, false)));
            }
            List<String> errors = new ArrayList<>();
            for (Future<String> f : checks) {
                String error = f.get();
                if (error != null) {
                    errors.add(error);
                }
            }
            assertThat(errors).as("%d searches", checks.size()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    /** Null when the point is found (or, for a deleted one, absent); else what went wrong. */
    private String findsOrError(
            Map<Integer, ShardStatus> shards,
            String collection,
            Map.Entry<String, float[]> point,
            boolean present)
            throws Exception {
        // k = 10 and a wide ef keep this about presence, not about the graph's recall at k = 1.
        List<String> ids =
                JobProbe.ids(
                        probe.search(
                                shards,
                                collection,
                                point.getValue(),
                                10,
                                128,
                                new int[0],
                                new long[0]));
        if (ids.contains(point.getKey()) != present) {
            return collection + "/" + point.getKey() + (present ? " missing" : " still found");
        }
        return null;
    }

    private Future<RecordMetadata> upsert(
            KafkaProducer<byte[], byte[]> producer, String collection, String id) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = random.nextFloat() - 0.5f;
        }
        live.get(collection).put(id, v);
        deleted.remove(id);
        return probe.upsert(producer, collection, id, v);
    }

    private Future<RecordMetadata> delete(
            KafkaProducer<byte[], byte[]> producer, String collection, String id) {
        deleted.put(id, live.get(collection).remove(id));
        return probe.delete(producer, collection, id);
    }

    /**
     * The first {@code count} of four records the job refuses: malformed JSON, wrong dimension, an
     * empty id, an unknown collection.
     */
    private List<Future<RecordMetadata>> badRecords(
            KafkaProducer<byte[], byte[]> producer, String tag, int count) {
        String vector = "[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]";
        List<String> values =
                List.of(
                        "{not json",
                        "{\"collection\": \""
                                + MAIN
                                + "\", \"id\": \""
                                + tag
                                + "2\","
                                + " \"vector\": [1, 2, 3]}",
                        "{\"collection\": \""
                                + MAIN
                                + "\", \"id\": \"\", \"vector\": "
                                + vector
                                + "}",
                        "{\"collection\": \"nowhere\", \"id\": \""
                                + tag
                                + "3\", \"vector\": "
                                + vector
                                + "}");
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(
                    producer.send(
                            new ProducerRecord<>(
                                    TOPICS.upserts(),
                                    (MAIN + "/" + tag + i).getBytes(StandardCharsets.UTF_8),
                                    values.get(i).getBytes(StandardCharsets.UTF_8))));
        }
        return sent;
    }

    private void acknowledged(
            KafkaProducer<byte[], byte[]> producer, List<Future<RecordMetadata>> sent)
            throws Exception {
        JobProbe.acknowledged(producer, sent, lastOffsets);
    }

    /** Every record on the dead-letter topic now, each with a reason. */
    private static List<ConsumerRecord<byte[], byte[]>> deadLetters() throws Exception {
        Map<Integer, Long> end =
                LoadedOffsets.endOf(TOPICS.deadLetters(), STACK.kafka().clientProperties()).next();
        int total = 0;
        for (long n : end.values()) {
            total += (int) n;
        }
        List<ConsumerRecord<byte[], byte[]>> all =
                STACK.kafka().consumeAll(TOPICS.deadLetters(), total, Duration.ofSeconds(30));
        Set<String> reasons = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : all) {
            assertThat(r.headers().lastHeader(DeadLetterHeaders.REASON_CODE)).isNotNull();
            reasons.add(
                    new String(
                            r.headers().lastHeader(DeadLetterHeaders.REASON_CODE).value(),
                            StandardCharsets.UTF_8));
        }
        assertThat(reasons).contains("UNKNOWN_COLLECTION");
        return all;
    }
}
