package io.quiver.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quiver.job.testing.FlinkTestCluster;
import io.quiver.schemas.DeadLetterHeaders;
import io.quiver.schemas.Topics;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.Reason;
import io.quiver.schemas.record.RecordFormat;
import io.quiver.schemas.record.UpsertCodec;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.status.ShardStatus;
import io.quiver.testkit.EmbeddedKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole Flink side against a real broker: the job on a MiniCluster (RocksDB, Queryable State),
 * shards discovered through Queryable State the way the query server finds them, searched over the
 * real shard RPC, compared with brute force.
 */
class QuiverJobITCase {

    private static final int SHARDS = 32;
    private static final int MAX_PARALLELISM = 128;
    private static final int PARTITIONS = 4;
    private static final int DIM = 32;
    private static final Topics TOPICS = new Topics("it");
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, MAX_PARALLELISM);

    @TempDir static Path tmp;

    private static EmbeddedKafka kafka;
    private static FlinkTestCluster cluster;
    private static JobClient job;
    private static JobProbe probe;

    @BeforeAll
    static void startBrokerClusterAndJob() throws Exception {
        kafka = JobProbe.startBroker(TOPICS, PARTITIONS);
        cluster = FlinkTestCluster.start(tmp, 2);
        job = startJob(null);
        probe = new JobProbe(cluster, KEYS, TOPICS);
    }

    /** Submits the job, restored from {@code savepoint} when not null. */
    private static JobClient startJob(String savepoint) throws Exception {
        return cluster.submit(
                JobProbe.jobOptions(kafka, TOPICS, KEYS)
                        .parallelism(2)
                        .jobName("quiver-it")
                        .unknownCollectionGrace(GRACE)
                        .build(),
                savepoint);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (job != null) {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        JobProbe.closeAll(probe, cluster, kafka);
    }

    @Test
    void everyShardAnnouncesItselfThroughQueryableState() {
        Map<Integer, ShardStatus> statuses = probe.awaitAllShards(job.getJobID());
        assertThat(statuses).hasSize(SHARDS);
        for (Map.Entry<Integer, ShardStatus> e : statuses.entrySet()) {
            ShardStatus s = e.getValue();
            assertThat(s.shard()).isEqualTo(e.getKey());
            assertThat(s.totalShards()).isEqualTo(SHARDS);
            assertThat(s.ready()).isTrue();
            assertThat(s.host()).isEqualTo("127.0.0.1");
            assertThat(s.port()).isPositive();
            assertThat(s.updatedAtMillis()).isGreaterThan(System.currentTimeMillis() - 60_000);
        }
    }

    @Test
    void searchesAreExactAndBadRecordsEndInTheDeadLetterTopic() throws Exception {
        Random random = new Random(42);
        String collection = "docs";
        Map<String, float[]> expected = new LinkedHashMap<>();
        Map<String, String> payloads = new HashMap<>();
        Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();
        Map<String, String> badOffsets = new HashMap<>(); // "partition:offset" -> reason
        Map<String, byte[]> badValues = new HashMap<>();

        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            // The collection and its first records are written at once: the job must not lose
            // records to the race between the two topics.
            CollectionSpec spec =
                    CollectionSpecs.fromJson(
                            collection,
                            UpsertCodec.mapper()
                                    .readTree(
                                            "{\"dimension\": "
                                                    + DIM
                                                    + ", \"metric\": \"cosine\"}"));
            producer.send(
                            new ProducerRecord<>(
                                    TOPICS.collections(),
                                    utf8(collection),
                                    CollectionSpecs.encode(spec)))
                    .get();

            List<Future<RecordMetadata>> good = new ArrayList<>();
            List<Object[]> bad = new ArrayList<>();
            Reason[] kinds = badKinds();
            for (int i = 0; i < 2000; i++) {
                String id = "p" + i;
                float[] v = randomVector(random);
                String payload = "{\"n\":" + i + "}";
                expected.put(id, v);
                payloads.put(id, payload);
                RecordFormat format = i % 2 == 0 ? RecordFormat.JSON : RecordFormat.AVRO;
                good.add(send(producer, upsert(collection, id, v, payload, null), format));
                if (i % 10 == 5) {
                    Reason kind = kinds[(i / 10) % kinds.length];
                    byte[] value = badRecord(kind, i, random);
                    bad.add(
                            new Object[] {
                                kind,
                                value,
                                producer.send(
                                        new ProducerRecord<>(
                                                TOPICS.upserts(), utf8("docs/bad" + i), value))
                            });
                }
            }
            // Deletes: p0..p49 disappear.
            for (int i = 0; i < 50; i++) {
                UpsertRecord delete =
                        UpsertRecord.newBuilder()
                                .setCollection(collection)
                                .setId("p" + i)
                                .setOp(Op.DELETE)
                                .build();
                good.add(
                        send(producer, delete, i % 2 == 0 ? RecordFormat.JSON : RecordFormat.AVRO));
                expected.remove("p" + i);
            }
            // Upserted twice: p100..p149 keep the newer vector.
            for (int i = 100; i < 150; i++) {
                float[] v = randomVector(random);
                expected.put("p" + i, v);
                good.add(
                        send(
                                producer,
                                upsert(collection, "p" + i, v, payloads.get("p" + i), null),
                                RecordFormat.AVRO));
            }
            // Versions: p150..p159 get version 5, then an older version 3 that must be ignored.
            for (int i = 150; i < 160; i++) {
                float[] newer = randomVector(random);
                float[] older = randomVector(random);
                expected.put("p" + i, newer);
                good.add(
                        send(
                                producer,
                                upsert(collection, "p" + i, newer, payloads.get("p" + i), 5L),
                                RecordFormat.JSON));
                good.add(
                        send(
                                producer,
                                upsert(collection, "p" + i, older, payloads.get("p" + i), 3L),
                                RecordFormat.AVRO));
            }
            producer.flush();
            for (Future<RecordMetadata> f : good) {
                RecordMetadata m = f.get();
                lastOffsets.merge(m.partition(), m.offset(), Math::max);
            }
            for (Object[] b : bad) {
                @SuppressWarnings("unchecked")
                RecordMetadata m = ((Future<RecordMetadata>) b[2]).get();
                String where = m.partition() + ":" + m.offset();
                badOffsets.put(where, ((Reason) b[0]).name());
                badValues.put(where, (byte[]) b[1]);
                lastOffsets.merge(m.partition(), m.offset(), Math::max);
            }
        }
        assertThat(badOffsets).hasSize(200);

        Map<Integer, ShardStatus> shards = probe.awaitAllShards(job.getJobID());
        // Session consistency: every shard must have applied what we wrote before it answers.
        int[] partitions = JobProbe.partitions(lastOffsets);
        long[] offsets = JobProbe.offsets(lastOffsets);
        for (int q = 0; q < 25; q++) {
            float[] query = randomVector(random);
            List<JobProbe.Hit> hits =
                    searchAllShards(shards, collection, query, 10, partitions, offsets);
            List<String> truth = bruteForceCosine(expected, query, 10);
            assertThat(JobProbe.ids(hits)).as("query %d", q).isEqualTo(truth);
            assertThat(hits.get(0).score())
                    .isCloseTo(cosine(expected.get(truth.get(0)), query), within(1e-4f));
            assertThat(new String(hits.get(0).payload(), StandardCharsets.UTF_8))
                    .isEqualTo(payloads.get(truth.get(0)));
        }
        // A point's own vector finds itself first; deleted points are gone everywhere.
        for (int i = 100; i < 160; i++) {
            List<JobProbe.Hit> hits =
                    searchAllShards(
                            shards, collection, expected.get("p" + i), 1, partitions, offsets);
            assertThat(hits.get(0).id()).isEqualTo("p" + i);
            assertThat(hits.get(0).score()).isCloseTo(1f, within(1e-4f));
        }
        List<JobProbe.Hit> all =
                searchAllShards(
                        shards, collection, randomVector(random), 1000, partitions, offsets);
        assertThat(JobProbe.ids(all)).doesNotContain("p0", "p1", "p49").hasSize(1000);
        assertThat(probe.totalVectors(job.getJobID())).isEqualTo(expected.size());
        // The index operator's metrics as the dashboard shows them, per subtask over REST.
        probe.awaitIndexMetricSum(job.getJobID(), "vectors", expected.size());
        probe.awaitIndexMetricSum(job.getJobID(), "shards", SHARDS);
        probe.awaitIndexMetricSum(job.getJobID(), "deletes", 50);
        assertThat(probe.indexMetricSum(job.getJobID(), "searches")).isGreaterThanOrEqualTo(SHARDS);
        // A histogram shows over REST as _min, _max, _mean, _median, _p75 ... _p999, _stddev.
        assertThat(probe.indexMetricSum(job.getJobID(), "searchLatencyMicros_p99")).isNotNegative();
        assertThat(probe.indexMetricSum(job.getJobID(), "searchRate")).isNotNegative();
        assertThat(probe.indexMetricSum(job.getJobID(), "ingestRate")).isNotNegative();
        assertThat(probe.indexMetricSum(job.getJobID(), "indexHeapBytes")).isPositive();

        List<ConsumerRecord<byte[], byte[]>> letters =
                kafka.consumeAll(TOPICS.deadLetters(), 200, Duration.ofSeconds(60));
        assertThat(letters).hasSize(200);
        Map<String, Integer> perReason = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : letters) {
            String where =
                    header(r, DeadLetterHeaders.SOURCE_PARTITION)
                            + ":"
                            + header(r, DeadLetterHeaders.SOURCE_OFFSET);
            assertThat(badOffsets).containsKey(where);
            assertThat(header(r, DeadLetterHeaders.REASON_CODE))
                    .as("reason of %s", where)
                    .isEqualTo(badOffsets.get(where));
            assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(TOPICS.upserts());
            assertThat(header(r, DeadLetterHeaders.REASON)).isNotBlank();
            assertThat(r.value()).isEqualTo(badValues.get(where));
            perReason.merge(header(r, DeadLetterHeaders.REASON_CODE), 1, Integer::sum);
        }
        assertThat(perReason).hasSize(badKinds().length);
        assertThat(perReason.values()).allMatch(c -> c == 20);

        // The index is Flink state: the job restored from a savepoint answers the same, with
        // the same applied offsets, before any new record arrives.
        String savepoint =
                job.stopWithSavepoint(
                                false,
                                tmp.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get(60, TimeUnit.SECONDS);
        job = startJob(savepoint);
        Map<Integer, ShardStatus> restored = probe.awaitFreshStatuses(job.getJobID());
        for (int q = 0; q < 5; q++) {
            float[] query = randomVector(random);
            List<JobProbe.Hit> hits =
                    searchAllShards(restored, collection, query, 10, partitions, offsets);
            assertThat(JobProbe.ids(hits)).isEqualTo(bruteForceCosine(expected, query, 10));
        }
        assertThat(probe.totalVectors(job.getJobID())).isEqualTo(expected.size());
        probe.awaitIndexMetricSum(job.getJobID(), "restoredRecords", expected.size());
        probe.awaitIndexMetricSum(job.getJobID(), "vectors", expected.size());
        assertThat(probe.indexMetricSum(job.getJobID(), "restoreDurationMs"))
                .isGreaterThanOrEqualTo(0);
    }

    @Test
    void hnswGraphsComeBackFromTheirSnapshotsWithTheSameResults() throws Exception {
        Random random = new Random(7);
        String collection = "graphs";
        long vectorsBefore = probe.totalVectors(job.getJobID());
        Map<String, float[]> expected = new LinkedHashMap<>();
        Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            CollectionSpec spec =
                    CollectionSpecs.fromJson(
                            collection,
                            UpsertCodec.mapper()
                                    .readTree(
                                            "{\"dimension\": "
                                                    + DIM
                                                    + ", \"metric\": \"cosine\", \"index\":"
                                                    + " {\"type\": \"hnsw\", \"ef\": 200}}"));
            producer.send(
                            new ProducerRecord<>(
                                    TOPICS.collections(),
                                    utf8(collection),
                                    CollectionSpecs.encode(spec)))
                    .get();
            writeGraphPoints(producer, collection, 0, 1500, random, expected, lastOffsets);
        }
        Map<Integer, ShardStatus> shards = probe.awaitAllShards(job.getJobID());
        searchGraphs(shards, collection, expected, lastOffsets);
        // Every shard's graph is snapshotted and its delta log emptied by later checkpoints.
        probe.awaitIndexMetricSum(job.getJobID(), "deltaLogLength", 0);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> probe.indexMetricSum(job.getJobID(), "graphSnapshots") >= SHARDS);

        // A delta on top of the snapshots, then a savepoint right away.
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            writeGraphPoints(producer, collection, 1400, 1600, random, expected, lastOffsets);
        }
        List<List<String>> before =
                searchGraphs(
                        probe.awaitAllShards(job.getJobID()), collection, expected, lastOffsets);
        String savepoint =
                job.stopWithSavepoint(
                                false,
                                tmp.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get(60, TimeUnit.SECONDS);
        job = startJob(savepoint);
        List<List<String>> after =
                searchGraphs(
                        probe.awaitFreshStatuses(job.getJobID()),
                        collection,
                        expected,
                        lastOffsets);
        assertThat(after).isEqualTo(before);
        probe.awaitIndexMetricSum(job.getJobID(), "graphsRestoredFromSnapshot", SHARDS);
        assertThat(probe.indexMetricSum(job.getJobID(), "graphsRebuiltAtRestore")).isZero();

        // Leaves the other tests' vector counts as they were.
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            producer.send(new ProducerRecord<>(TOPICS.collections(), utf8(collection), null)).get();
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> probe.totalVectors(job.getJobID()) == vectorsBefore);
    }

    /** Upserts g{from}..g{to-1} with fresh vectors and deletes every tenth of them. */
    private static void writeGraphPoints(
            KafkaProducer<byte[], byte[]> producer,
            String collection,
            int from,
            int to,
            Random random,
            Map<String, float[]> expected,
            Map<Integer, Long> lastOffsets)
            throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = from; i < to; i++) {
            float[] v = randomVector(random);
            expected.put("g" + i, v);
            sent.add(send(producer, upsert(collection, "g" + i, v, null, null), RecordFormat.JSON));
        }
        for (int i = from; i < to; i += 10) {
            UpsertRecord delete =
                    UpsertRecord.newBuilder()
                            .setCollection(collection)
                            .setId("g" + i)
                            .setOp(Op.DELETE)
                            .build();
            sent.add(send(producer, delete, RecordFormat.JSON));
            expected.remove("g" + i);
        }
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata m = f.get();
            lastOffsets.merge(m.partition(), m.offset(), Math::max);
        }
    }

    /** Top-10 ids of 10 seeded queries, each checked against brute force. */
    private static List<List<String>> searchGraphs(
            Map<Integer, ShardStatus> shards,
            String collection,
            Map<String, float[]> expected,
            Map<Integer, Long> lastOffsets)
            throws IOException {
        int[] partitions = JobProbe.partitions(lastOffsets);
        long[] offsets = JobProbe.offsets(lastOffsets);
        Random queries = new Random(11);
        List<List<String>> out = new ArrayList<>();
        for (int q = 0; q < 10; q++) {
            float[] query = randomVector(queries);
            List<String> ids =
                    JobProbe.ids(
                            searchAllShards(shards, collection, query, 10, partitions, offsets));
            assertThat(ids).as("query %d", q).isEqualTo(bruteForceCosine(expected, query, 10));
            out.add(ids);
        }
        return out;
    }

    /** A search of every shard at the collection's default ef, with payloads. */
    private static List<JobProbe.Hit> searchAllShards(
            Map<Integer, ShardStatus> shards,
            String collection,
            float[] query,
            int k,
            int[] partitions,
            long[] offsets)
            throws IOException {
        return probe.search(shards, collection, query, k, 0, true, partitions, offsets);
    }

    // ---------------------------------------------------------------- records

    private static Future<RecordMetadata> send(
            KafkaProducer<byte[], byte[]> producer, UpsertRecord r, RecordFormat format) {
        byte[] value =
                format == RecordFormat.AVRO ? UpsertCodec.encodeAvro(r) : UpsertCodec.encodeJson(r);
        return producer.send(
                new ProducerRecord<>(
                        TOPICS.upserts(),
                        utf8(Topics.pointKey(r.getCollection(), r.getId())),
                        value));
    }

    private static UpsertRecord upsert(
            String collection, String id, float[] v, String payload, Long version) {
        List<Float> vector = new ArrayList<>(v.length);
        for (float f : v) {
            vector.add(f);
        }
        return UpsertRecord.newBuilder()
                .setCollection(collection)
                .setId(id)
                .setOp(Op.UPSERT)
                .setVector(vector)
                .setPayload(payload)
                .setVersion(version)
                .build();
    }

    private static Reason[] badKinds() {
        return new Reason[] {
            Reason.MALFORMED_JSON,
            Reason.MALFORMED_AVRO,
            Reason.UNKNOWN_ENCODING,
            Reason.MISSING_FIELD,
            Reason.INVALID_ID,
            Reason.UNKNOWN_COLLECTION,
            Reason.DIMENSION_MISMATCH,
            Reason.NON_FINITE_COMPONENT,
            Reason.PAYLOAD_TOO_LARGE,
            Reason.UNKNOWN_OP
        };
    }

    /** A record that must be refused with {@code kind}. */
    private static byte[] badRecord(Reason kind, int i, Random random) {
        String vector = Arrays.toString(randomVector(random));
        switch (kind) {
            case MALFORMED_JSON:
                return utf8("{\"collection\": \"docs\", \"id\": \"bad" + i + "\", \"vector\": [1,");
            case MALFORMED_AVRO:
                byte[] avro = new byte[24];
                random.nextBytes(avro);
                avro[0] = (byte) 0xC3;
                avro[1] = 0x01;
                return avro;
            case UNKNOWN_ENCODING:
                return new byte[0];
            case MISSING_FIELD:
                return utf8("{\"collection\": \"docs\", \"vector\": " + vector + "}");
            case INVALID_ID:
                return utf8(
                        "{\"collection\": \"docs\", \"id\": \""
                                + "x".repeat(600)
                                + "\", \"vector\": "
                                + vector
                                + "}");
            case UNKNOWN_COLLECTION:
                return utf8(
                        "{\"collection\": \"ghost\", \"id\": \"bad"
                                + i
                                + "\", \"vector\": "
                                + vector
                                + "}");
            case DIMENSION_MISMATCH:
                return utf8(
                        "{\"collection\": \"docs\", \"id\": \"bad" + i + "\", \"vector\": [1, 2]}");
            case NON_FINITE_COMPONENT:
                if (i % 20 < 10) {
                    return utf8(
                            "{\"collection\": \"docs\", \"id\": \"bad"
                                    + i
                                    + "\", \"vector\": "
                                    + vector.replaceFirst("[-0-9.E]+", "NaN")
                                    + "}");
                }
                float[] inf = randomVector(random);
                inf[3] = Float.POSITIVE_INFINITY;
                return UpsertCodec.encodeAvro(upsert("docs", "bad" + i, inf, null, null));
            case PAYLOAD_TOO_LARGE:
                return utf8(
                        "{\"collection\": \"docs\", \"id\": \"bad"
                                + i
                                + "\", \"vector\": "
                                + vector
                                + ", \"payload\": {\"text\": \""
                                + "y".repeat(70 * 1024)
                                + "\"}}");
            case UNKNOWN_OP:
                return utf8(
                        "{\"collection\": \"docs\", \"id\": \"bad"
                                + i
                                + "\", \"op\": \"merge\", \"vector\": "
                                + vector
                                + "}");
            default:
                throw new IllegalArgumentException(kind.name());
        }
    }

    // ---------------------------------------------------------------- brute force

    private static List<String> bruteForceCosine(Map<String, float[]> points, float[] q, int k) {
        List<Map.Entry<String, float[]>> all = new ArrayList<>(points.entrySet());
        all.sort(Comparator.comparingDouble(e -> -cosine(e.getValue(), q)));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < k && i < all.size(); i++) {
            out.add(all.get(i).getKey());
        }
        return out;
    }

    private static float cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return (float) (dot / Math.sqrt(na * nb));
    }

    private static float[] randomVector(Random random) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static org.assertj.core.data.Offset<Float> within(float f) {
        return org.assertj.core.data.Offset.offset(f);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
