package io.quiver.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.job.testing.FlinkTestCluster;
import io.quiver.schemas.Topics;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
import org.apache.flink.queryablestate.client.QueryableStateClient;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import picocli.CommandLine;

/**
 * What integration tests need to look at a running job from outside, as the query server does:
 * shard statuses through Queryable State, searches over the shard RPC, the index operator's metrics
 * over Flink's REST API; plus sending upserts and deletes to Kafka.
 */
final class JobProbe implements AutoCloseable {

    private static final AtomicLong REQUEST_IDS = new AtomicLong();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final FlinkTestCluster cluster;
    private final QueryableStateClient qs;
    private final ShardKeys keys;
    private final Topics topics;

    JobProbe(FlinkTestCluster cluster, ShardKeys keys, Topics topics) throws Exception {
        this.cluster = cluster;
        this.keys = keys;
        this.topics = topics;
        this.qs = new QueryableStateClient("127.0.0.1", cluster.queryableStateProxyPort());
    }

    /** Starts a broker with the three topics, the upserts topic with {@code partitions}. */
    static EmbeddedKafka startBroker(Topics topics, int partitions) throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.create().start();
        kafka.createTopic(topics.upserts(), partitions);
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.deadLetters(), 1);
        return kafka;
    }

    /** Job options for tests: these topics and shard layout, 2 s checkpoints. */
    static JobOptions.Builder jobOptions(EmbeddedKafka kafka, Topics topics, ShardKeys keys) {
        return JobOptions.builder()
                .bootstrapServers(kafka.bootstrapServers())
                .topicPrefix(topics.prefix())
                .shards(keys.numShards())
                .maxParallelism(keys.maxParallelism())
                .checkpointInterval(Duration.ofSeconds(2));
    }

    /**
     * A broker with the three topics ({@code partitions} upsert partitions), a Flink test cluster
     * of two slots and a probe on them, for one test class: register it with {@code
     * RegisterExtension} in a static field. It starts before the class's first test and stops after
     * its last, cancelling the job it started; files go under a fresh directory ({@link #dir}),
     * deleted at the end.
     */
    static final class Stack implements BeforeAllCallback, AfterAllCallback {

        private final Topics topics;
        private final ShardKeys keys;
        private final int partitions;
        private EmbeddedKafka kafka;
        private FlinkTestCluster cluster;
        private JobProbe probe;
        private JobClient job;

        Stack(Topics topics, ShardKeys keys, int partitions) {
            this.topics = topics;
            this.keys = keys;
            this.partitions = partitions;
        }

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            kafka = startBroker(topics, partitions);
            cluster = FlinkTestCluster.startInTempDir(topics.prefix(), 2);
            probe = new JobProbe(cluster, keys, topics);
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            try {
                if (job != null) {
                    job.cancel().get(30, TimeUnit.SECONDS);
                }
            } finally {
                closeAll(probe, cluster, kafka);
            }
        }

        EmbeddedKafka kafka() {
            return kafka;
        }

        JobProbe probe() {
            return probe;
        }

        /** The class's own directory, for its input files and savepoints. */
        Path dir() {
            return cluster.dir();
        }

        /**
         * Runs a bulk load into {@code savepointDir} through the command line the README shows (in
         * its own local Flink environment, parallelism 2) and returns its exit code; {@code source}
         * names what is loaded ({@code --bulk-file}, {@code --bulk-topic}, ...).
         */
        int bulkLoad(Path savepointDir, String... source) {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "--bootstrap-servers",
                                    kafka.bootstrapServers(),
                                    "--topic-prefix",
                                    topics.prefix(),
                                    "--shards",
                                    Integer.toString(keys.numShards()),
                                    "--max-parallelism",
                                    Integer.toString(keys.maxParallelism()),
                                    "--parallelism",
                                    "2",
                                    "--bulk"));
            args.addAll(List.of(source));
            args.add("--bulk-savepoint");
            args.add(savepointDir.toString());
            return new CommandLine(new QuiverJob()).execute(args.toArray(new String[0]));
        }

        /**
         * Starts the streaming job (parallelism 2) from a bulk load's {@code savepoint} and waits
         * until every shard is ready with its graph loaded from the snapshot there, none rebuilt;
         * the job runs until the class ends.
         */
        JobID startFromBulkSavepoint(String savepoint, String jobName) throws Exception {
            job =
                    cluster.submit(
                            jobOptions(kafka, topics, keys).parallelism(2).jobName(jobName).build(),
                            savepoint);
            JobID id = job.getJobID();
            probe.awaitAllShards(id);
            probe.awaitGraphsRestoredFromSnapshots(id);
            return id;
        }
    }

    /** Polls until every shard's graph was loaded from a snapshot at restore and none rebuilt. */
    void awaitGraphsRestoredFromSnapshots(JobID job) {
        await("every graph loaded from its bulk snapshot")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(
                        () ->
                                indexMetricSum(job, "graphsRestoredFromSnapshot")
                                                == keys.numShards()
                                        && indexMetricSum(job, "graphsRebuiltAtRestore") == 0);
    }

    /**
     * Flushes {@code producer}, waits for every send in {@code sent} and raises {@code lastOffsets}
     * to the highest acknowledged offset per partition.
     */
    static void acknowledged(
            KafkaProducer<byte[], byte[]> producer,
            List<Future<RecordMetadata>> sent,
            Map<Integer, Long> lastOffsets)
            throws Exception {
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata m = f.get();
            lastOffsets.merge(m.partition(), m.offset(), Math::max);
        }
    }

    /** Closes what was started, in order, skipping what was not. */
    static void closeAll(AutoCloseable... started) throws Exception {
        for (AutoCloseable c : started) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** One point's search hit; {@code payload} is null unless the search asked for payloads. */
    record Hit(String id, float score, byte[] payload) {}

    /** Every shard's status once all of them are ready, read as the query server reads them. */
    Map<Integer, ShardStatus> awaitAllShards(JobID job) {
        Map<Integer, ShardStatus> found = new ConcurrentHashMap<>();
        ValueStateDescriptor<byte[]> descriptor =
                new ValueStateDescriptor<>(
                        ShardStatus.QUERYABLE_NAME,
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            for (int s = 0; s < keys.numShards(); s++) {
                                if (!found.containsKey(s)) {
                                    ShardStatus status = status(job, s, descriptor);
                                    if (status != null && status.ready()) {
                                        found.put(s, status);
                                    }
                                }
                            }
                            return found.size() == keys.numShards();
                        });
        return found;
    }

    /** Statuses all written after this call, so their counts are current. */
    Map<Integer, ShardStatus> awaitFreshStatuses(JobID job) {
        long after = System.currentTimeMillis();
        List<Map<Integer, ShardStatus>> holder = new ArrayList<>(List.of(Map.of()));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            holder.set(0, awaitAllShards(job));
                            return holder.get(0).values().stream()
                                    .allMatch(s -> s.updatedAtMillis() > after);
                        });
        return holder.get(0);
    }

    /** Live vectors over all shards, from fresh statuses. */
    long totalVectors(JobID job) {
        long total = 0;
        for (ShardStatus s : awaitFreshStatuses(job).values()) {
            total += s.vectorCount();
        }
        return total;
    }

    private ShardStatus status(JobID job, int shard, ValueStateDescriptor<byte[]> descriptor) {
        try {
            ValueState<byte[]> state =
                    qs.getKvState(
                                    job,
                                    ShardStatus.QUERYABLE_NAME,
                                    keys.keyOf(shard),
                                    Types.INT,
                                    descriptor)
                            .get(5, TimeUnit.SECONDS);
            byte[] bytes = state.value();
            return bytes == null ? null : ShardStatus.fromBytes(bytes);
        } catch (Exception e) {
            return null; // unknown location while the job starts or moves: the caller retries
        }
    }

    /**
     * One RPC per shard server with all its shards, merged highest score first: right for cosine
     * and dot, but shards send l2 distances as they are, so l2 callers get the worst first. Fails
     * when any shard does not answer OK. The session token ({@code partitions}, {@code offsets})
     * may be empty.
     *
     * @param ef candidates per shard, or 0 for the collection's default
     */
    List<Hit> search(
            Map<Integer, ShardStatus> shards,
            String collection,
            float[] query,
            int k,
            int ef,
            int[] partitions,
            long[] offsets)
            throws IOException {
        return search(shards, collection, query, k, ef, false, partitions, offsets);
    }

    /** Like {@link #search(Map, String, float[], int, int, int[], long[])}, with payloads. */
    List<Hit> search(
            Map<Integer, ShardStatus> shards,
            String collection,
            float[] query,
            int k,
            int ef,
            boolean withPayload,
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
                            REQUEST_IDS.incrementAndGet(),
                            collection,
                            asked,
                            k,
                            ef,
                            withPayload,
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
                    hits.add(
                            new Hit(
                                    r.ids()[i],
                                    r.scores()[i],
                                    withPayload ? r.payloads()[i] : null));
                }
            }
        }
        assertThat(answered).isEqualTo(shards.size());
        hits.sort(Comparator.comparingDouble((Hit h) -> -h.score()));
        return hits.subList(0, Math.min(k, hits.size()));
    }

    static List<String> ids(List<Hit> hits) {
        List<String> out = new ArrayList<>();
        for (Hit h : hits) {
            out.add(h.id());
        }
        return out;
    }

    /**
     * The sum over the index operator's subtasks of its metric {@code name}; throws until all
     * report it.
     */
    double indexMetricSum(JobID job, String name) throws Exception {
        String jobUrl = cluster.restUrl() + "/jobs/" + job;
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

    /** Polls until {@link #indexMetricSum} of {@code name} equals {@code expected}. */
    void awaitIndexMetricSum(JobID job, String name, double expected) {
        await("index." + name + " summed over the subtasks equals " + expected)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> indexMetricSum(job, name) == expected);
    }

    static JsonNode getJson(String url) throws Exception {
        HttpResponse<String> response =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return UpsertCodec.mapper().readTree(response.body());
    }

    /** Sends a JSON upsert keyed by collection/id. */
    Future<RecordMetadata> upsert(
            KafkaProducer<byte[], byte[]> producer, String collection, String id, float[] v) {
        List<Float> vector = new ArrayList<>(v.length);
        for (float f : v) {
            vector.add(f);
        }
        return send(
                producer,
                UpsertRecord.newBuilder()
                        .setCollection(collection)
                        .setId(id)
                        .setOp(Op.UPSERT)
                        .setVector(vector)
                        .build());
    }

    /** Sends a JSON delete keyed by collection/id. */
    Future<RecordMetadata> delete(
            KafkaProducer<byte[], byte[]> producer, String collection, String id) {
        return send(
                producer,
                UpsertRecord.newBuilder()
                        .setCollection(collection)
                        .setId(id)
                        .setOp(Op.DELETE)
                        .build());
    }

    private Future<RecordMetadata> send(KafkaProducer<byte[], byte[]> producer, UpsertRecord r) {
        return producer.send(
                new ProducerRecord<>(
                        topics.upserts(),
                        Topics.pointKey(r.getCollection(), r.getId())
                                .getBytes(StandardCharsets.UTF_8),
                        UpsertCodec.encodeJson(r)));
    }

    /** Sends a collection spec (JSON) to the collections topic and waits for the ack. */
    void putCollection(KafkaProducer<byte[], byte[]> producer, String name, String specJson)
            throws Exception {
        producer.send(
                        new ProducerRecord<>(
                                topics.collections(),
                                name.getBytes(StandardCharsets.UTF_8),
                                io.quiver.schemas.collection.CollectionSpecs.encode(
                                        io.quiver.schemas.collection.CollectionSpecs.fromJson(
                                                name, UpsertCodec.mapper().readTree(specJson)))))
                .get();
    }

    /** Highest acknowledged offset per partition as a session token. */
    static int[] partitions(Map<Integer, Long> lastOffsets) {
        return new TreeMap<>(lastOffsets).keySet().stream().mapToInt(Integer::intValue).toArray();
    }

    static long[] offsets(Map<Integer, Long> lastOffsets) {
        return new TreeMap<>(lastOffsets).values().stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public void close() throws Exception {
        qs.shutdownAndWait();
    }
}
