package io.quiver.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
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
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import io.quiver.schemas.status.ShardStatus;
import io.quiver.testkit.EmbeddedKafka;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.queryablestate.client.QueryableStateClient;
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
    private static QueryableStateClient qs;
    private static final AtomicLong requestIds = new AtomicLong();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startBrokerClusterAndJob() throws Exception {
        kafka = EmbeddedKafka.create().start();
        kafka.createTopic(TOPICS.upserts(), PARTITIONS);
        kafka.createTopic(TOPICS.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(TOPICS.deadLetters(), 1);
        cluster = FlinkTestCluster.start(tmp, 2);
        job = startJob(null);
        qs = new QueryableStateClient("127.0.0.1", cluster.queryableStateProxyPort());
    }

    /** Submits the job, restored from {@code savepoint} when not null. */
    private static JobClient startJob(String savepoint) throws Exception {
        return cluster.submit(
                JobOptions.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(TOPICS.prefix())
                        .shards(SHARDS)
                        .maxParallelism(MAX_PARALLELISM)
                        .parallelism(2)
                        .jobName("quiver-it")
                        .checkpointInterval(Duration.ofSeconds(2))
                        .unknownCollectionGrace(GRACE)
                        .build(),
                savepoint);
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (qs != null) {
            qs.shutdownAndWait();
        }
        if (job != null) {
            job.cancel().get(30, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void everyShardAnnouncesItselfThroughQueryableState() {
        Map<Integer, ShardStatus> statuses = awaitAllShards();
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

        Map<Integer, ShardStatus> shards = awaitAllShards();
        // Session consistency: every shard must have applied what we wrote before it answers.
        int[] partitions = new int[lastOffsets.size()];
        long[] offsets = new long[lastOffsets.size()];
        int n = 0;
        for (Map.Entry<Integer, Long> e : new TreeMap<>(lastOffsets).entrySet()) {
            partitions[n] = e.getKey();
            offsets[n++] = e.getValue();
        }
        for (int q = 0; q < 25; q++) {
            float[] query = randomVector(random);
            List<Hit> hits = searchAllShards(shards, collection, query, 10, partitions, offsets);
            List<String> truth = bruteForceCosine(expected, query, 10);
            assertThat(ids(hits)).as("query %d", q).isEqualTo(truth);
            assertThat(hits.get(0).score)
                    .isCloseTo(cosine(expected.get(truth.get(0)), query), within(1e-4f));
            assertThat(new String(hits.get(0).payload, StandardCharsets.UTF_8))
                    .isEqualTo(payloads.get(truth.get(0)));
        }
        // A point's own vector finds itself first; deleted points are gone everywhere.
        for (int i = 100; i < 160; i++) {
            List<Hit> hits =
                    searchAllShards(
                            shards, collection, expected.get("p" + i), 1, partitions, offsets);
            assertThat(hits.get(0).id).isEqualTo("p" + i);
            assertThat(hits.get(0).score).isCloseTo(1f, within(1e-4f));
        }
        List<Hit> all =
                searchAllShards(
                        shards, collection, randomVector(random), 1000, partitions, offsets);
        assertThat(ids(all)).doesNotContain("p0", "p1", "p49").hasSize(1000);
        assertThat(totalVectors()).isEqualTo(expected.size());
        // The index operator's metrics as the dashboard shows them, per subtask over REST.
        awaitIndexMetricSum("vectors", expected.size());
        awaitIndexMetricSum("shards", SHARDS);
        awaitIndexMetricSum("deletes", 50);
        assertThat(indexMetricSum("searches")).isGreaterThanOrEqualTo(SHARDS);
        // A histogram shows over REST as _min, _max, _mean, _median, _p75 ... _p999, _stddev.
        assertThat(indexMetricSum("searchLatencyMicros_p99")).isNotNegative();
        assertThat(indexMetricSum("searchRate")).isNotNegative();
        assertThat(indexMetricSum("ingestRate")).isNotNegative();
        assertThat(indexMetricSum("indexHeapBytes")).isPositive();

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
        Map<Integer, ShardStatus> restored = awaitFreshStatuses();
        for (int q = 0; q < 5; q++) {
            float[] query = randomVector(random);
            List<Hit> hits = searchAllShards(restored, collection, query, 10, partitions, offsets);
            assertThat(ids(hits)).isEqualTo(bruteForceCosine(expected, query, 10));
        }
        assertThat(totalVectors()).isEqualTo(expected.size());
        awaitIndexMetricSum("restoredRecords", expected.size());
        awaitIndexMetricSum("vectors", expected.size());
        assertThat(indexMetricSum("restoreDurationMs")).isGreaterThanOrEqualTo(0);
    }

    @Test
    void hnswGraphsComeBackFromTheirSnapshotsWithTheSameResults() throws Exception {
        Random random = new Random(7);
        String collection = "graphs";
        long vectorsBefore = totalVectors();
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
        int[][] partitions = new int[1][];
        long[][] offsets = new long[1][];
        sessionToken(lastOffsets, partitions, offsets);
        Map<Integer, ShardStatus> shards = awaitAllShards();
        searchGraphs(shards, collection, expected, partitions[0], offsets[0]);
        // Every shard's graph is snapshotted and its delta log emptied by later checkpoints.
        awaitIndexMetricSum("deltaLogLength", 0);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> indexMetricSum("graphSnapshots") >= SHARDS);

        // A delta on top of the snapshots, then a savepoint right away.
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            writeGraphPoints(producer, collection, 1400, 1600, random, expected, lastOffsets);
        }
        sessionToken(lastOffsets, partitions, offsets);
        List<List<String>> before =
                searchGraphs(awaitAllShards(), collection, expected, partitions[0], offsets[0]);
        String savepoint =
                job.stopWithSavepoint(
                                false,
                                tmp.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get(60, TimeUnit.SECONDS);
        job = startJob(savepoint);
        List<List<String>> after =
                searchGraphs(awaitFreshStatuses(), collection, expected, partitions[0], offsets[0]);
        assertThat(after).isEqualTo(before);
        awaitIndexMetricSum("graphsRestoredFromSnapshot", SHARDS);
        assertThat(indexMetricSum("graphsRebuiltAtRestore")).isZero();

        // Leaves the other tests' vector counts as they were.
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            producer.send(new ProducerRecord<>(TOPICS.collections(), utf8(collection), null)).get();
        }
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> totalVectors() == vectorsBefore);
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

    private static void sessionToken(
            Map<Integer, Long> lastOffsets, int[][] partitions, long[][] offsets) {
        partitions[0] = new int[lastOffsets.size()];
        offsets[0] = new long[lastOffsets.size()];
        int n = 0;
        for (Map.Entry<Integer, Long> e : new TreeMap<>(lastOffsets).entrySet()) {
            partitions[0][n] = e.getKey();
            offsets[0][n++] = e.getValue();
        }
    }

    /** Top-10 ids of 10 seeded queries, each checked against brute force. */
    private static List<List<String>> searchGraphs(
            Map<Integer, ShardStatus> shards,
            String collection,
            Map<String, float[]> expected,
            int[] partitions,
            long[] offsets)
            throws IOException {
        Random queries = new Random(11);
        List<List<String>> out = new ArrayList<>();
        for (int q = 0; q < 10; q++) {
            float[] query = randomVector(queries);
            List<String> ids =
                    ids(searchAllShards(shards, collection, query, 10, partitions, offsets));
            assertThat(ids).as("query %d", q).isEqualTo(bruteForceCosine(expected, query, 10));
            out.add(ids);
        }
        return out;
    }

    // ---------------------------------------------------------------- metrics over REST

    /** Polls until {@link #indexMetricSum} of {@code name} equals {@code expected}. */
    private static void awaitIndexMetricSum(String name, double expected) {
        await("index." + name + " summed over the subtasks equals " + expected)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> indexMetricSum(name) == expected);
    }

    /**
     * The sum over the index operator's subtasks of its metric {@code name}, read from the vertex's
     * metrics as {@code <subtask>.index.<name>}; throws while a subtask has not reported it yet.
     */
    private static double indexMetricSum(String name) throws Exception {
        String jobUrl = cluster.restUrl() + "/jobs/" + job.getJobID();
        JsonNode index = null;
        for (JsonNode vertex : getJson(jobUrl).get("vertices")) {
            if (vertex.get("name").asText().equals("index")) {
                index = vertex;
            }
        }
        assertThat(index).as("the job has a vertex named 'index'").isNotNull();
        int parallelism = index.get("parallelism").asInt();
        List<String> ids = new ArrayList<>();
        for (int subtask = 0; subtask < parallelism; subtask++) {
            ids.add(subtask + ".index." + name);
        }
        String metricsUrl = jobUrl + "/vertices/" + index.get("id").asText() + "/metrics";
        JsonNode values = getJson(metricsUrl + "?get=" + String.join(",", ids));
        if (values.size() != parallelism) {
            throw new IllegalStateException(
                    "metrics " + ids + " not reported yet; available: " + getJson(metricsUrl));
        }
        double sum = 0;
        for (JsonNode value : values) {
            sum += Double.parseDouble(value.get("value").asText());
        }
        return sum;
    }

    private static JsonNode getJson(String url) throws Exception {
        HttpResponse<String> response =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return UpsertCodec.mapper().readTree(response.body());
    }

    // ---------------------------------------------------------------- shard discovery and RPC

    /** Reads every shard's status through Queryable State, as the query server does. */
    private static Map<Integer, ShardStatus> awaitAllShards() {
        Map<Integer, ShardStatus> found = new ConcurrentHashMap<>();
        ValueStateDescriptor<byte[]> descriptor =
                new ValueStateDescriptor<>(
                        ShardStatus.QUERYABLE_NAME,
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        JobID jobId = job.getJobID();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            for (int s = 0; s < SHARDS; s++) {
                                if (found.containsKey(s)) {
                                    continue;
                                }
                                try {
                                    ValueState<byte[]> state =
                                            qs.getKvState(
                                                            jobId,
                                                            ShardStatus.QUERYABLE_NAME,
                                                            KEYS.keyOf(s),
                                                            Types.INT,
                                                            descriptor)
                                                    .get(5, TimeUnit.SECONDS);
                                    byte[] bytes = state.value();
                                    if (bytes != null) {
                                        ShardStatus status = ShardStatus.fromBytes(bytes);
                                        if (status.ready()) {
                                            found.put(s, status);
                                        }
                                    }
                                } catch (Exception e) {
                                    // Unknown location while the job starts: retry.
                                }
                            }
                            return found.size() == SHARDS;
                        });
        return found;
    }

    /** One RPC per shard server with all its shards, merged best first (cosine: higher). */
    private static List<Hit> searchAllShards(
            Map<Integer, ShardStatus> shards,
            String collection,
            float[] query,
            int k,
            int[] partitions,
            long[] offsets)
            throws IOException {
        Map<String, List<Integer>> byServer = new TreeMap<>();
        for (ShardStatus s : shards.values()) {
            byServer.computeIfAbsent(s.host() + ":" + s.port(), x -> new ArrayList<>())
                    .add(s.shard());
        }
        List<Hit> hits = new ArrayList<>();
        int answered = 0;
        for (Map.Entry<String, List<Integer>> e : byServer.entrySet()) {
            String[] hostPort = e.getKey().split(":");
            int[] asked = e.getValue().stream().mapToInt(Integer::intValue).toArray();
            SearchRequest request =
                    new SearchRequest(
                            requestIds.incrementAndGet(),
                            collection,
                            asked,
                            k,
                            0,
                            true,
                            query,
                            30_000,
                            partitions,
                            offsets,
                            null);
            Object answer =
                    ShardRpcTestClient.call(hostPort[0], Integer.parseInt(hostPort[1]), request);
            assertThat(answer).isInstanceOf(SearchResponse.class);
            SearchResponse response = (SearchResponse) answer;
            assertThat(response.requestId()).isEqualTo(request.requestId());
            for (ShardResult r : response.shards()) {
                assertThat(r.status())
                        .as("shard %d: %s", r.shard(), r.message())
                        .isEqualTo(ShardResult.Status.OK);
                answered++;
                for (int i = 0; i < r.size(); i++) {
                    hits.add(new Hit(r.ids()[i], r.scores()[i], r.payloads()[i]));
                }
            }
        }
        assertThat(answered).isEqualTo(SHARDS);
        hits.sort(Comparator.comparingDouble((Hit h) -> -h.score));
        return hits.subList(0, Math.min(k, hits.size()));
    }

    private static long totalVectors() {
        long total = 0;
        for (ShardStatus s : awaitFreshStatuses().values()) {
            total += s.vectorCount();
        }
        return total;
    }

    private static Map<Integer, ShardStatus> awaitFreshStatuses() {
        long after = System.currentTimeMillis();
        Map<Integer, ShardStatus>[] holder = new Map[1];
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            holder[0] = awaitAllShards();
                            return holder[0].values().stream()
                                    .allMatch(s -> s.updatedAtMillis() > after);
                        });
        return holder[0];
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

    private static List<String> ids(List<Hit> hits) {
        List<String> out = new ArrayList<>();
        for (Hit h : hits) {
            out.add(h.id);
        }
        return out;
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

    private static final class Hit {
        final String id;
        final float score;
        final byte[] payload;

        Hit(String id, float score, byte[] payload) {
            this.id = id;
            this.score = score;
            this.payload = payload;
        }
    }
}
