package io.quiver.local;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.job.JobOptions;
import io.quiver.job.testing.FlinkTestCluster;
import io.quiver.query.QueryServer;
import io.quiver.schemas.Topics;
import io.quiver.testkit.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleBiFunction;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The whole stack in one JVM for end-to-end tests: a Kafka broker with the topics of {@code topics}
 * (4 upsert partitions), the Flink job on a MiniCluster of 2 task slots (RocksDB, Queryable State)
 * and a query server on a free port, plus the HTTP calls tests make to it. Register it with {@code
 * RegisterExtension} in a static field: it starts before the class's first test, ready (every shard
 * located), and stops after its last; its files go under a fresh directory, deleted at the end. The
 * static HTTP helpers serve tests that start a query server of their own.
 */
final class TestStack implements BeforeAllCallback, AfterAllCallback {

    static final ObjectMapper JSON = new ObjectMapper();

    // HTTP/1.1 keep-alive: a client thread reuses its connection across its calls.
    private static final HttpClient HTTP =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

    private final Topics topics;
    private final int shards;
    private final String jobName;
    private final int timeoutMs;
    private EmbeddedKafka kafka;
    private FlinkTestCluster cluster;
    private JobClient job;
    private QueryServer server;

    /**
     * @param shards the job's shard count
     * @param jobName the Flink job's name, which the query server looks up
     * @param timeoutMs the query server's request timeout
     */
    TestStack(Topics topics, int shards, String jobName, int timeoutMs) {
        this.topics = topics;
        this.shards = shards;
        this.jobName = jobName;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        kafka = EmbeddedKafka.create().start();
        kafka.createTopic(topics.upserts(), 4);
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.deadLetters(), 1);
        cluster = FlinkTestCluster.startInTempDir(topics.prefix(), 2);
        job =
                cluster.submit(
                        JobOptions.builder()
                                .bootstrapServers(kafka.bootstrapServers())
                                .topicPrefix(topics.prefix())
                                .shards(shards)
                                .parallelism(2)
                                .jobName(jobName)
                                .checkpointInterval(Duration.ofSeconds(5))
                                .unknownCollectionGrace(Duration.ofSeconds(2))
                                .build(),
                        null);
        server =
                QueryServer.builder()
                        .host("127.0.0.1")
                        .port(0)
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(topics.prefix())
                        .shards(shards)
                        .flinkRestUrl(cluster.restUrl())
                        .jobName(jobName)
                        .queryableStateProxy("127.0.0.1:" + cluster.queryableStateProxyPort())
                        .requestTimeoutMs(timeoutMs)
                        .directoryRefreshMs(500)
                        .build()
                        .start();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> call("GET", "/readyz", null).statusCode() == 200);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (server != null) {
                server.close();
            }
            if (job != null) {
                job.cancel().get();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    EmbeddedKafka kafka() {
        return kafka;
    }

    /** Sends {@code body} (null for none) to this stack's query server's {@code path}. */
    HttpResponse<String> call(String method, String path, String body) throws Exception {
        return send(server.port(), method, path, body);
    }

    /** Sends {@code body} (null for none) to the query server on {@code port}, 30 s at most. */
    static HttpResponse<String> send(int port, String method, String path, String body)
            throws Exception {
        return HTTP.send(request(port, method, path, body), HttpResponse.BodyHandlers.ofString());
    }

    /** The request {@link #send} sends, for a client of the test's own. */
    static HttpRequest request(int port, String method, String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    /** The hit ids of an answer, or of a bare result array (one search of a batch). */
    static List<String> ids(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        JsonNode hits = answer.isArray() ? answer : answer.get("result");
        hits.forEach(h -> ids.add(h.get("id").asText()));
        return ids;
    }

    /**
     * The ids of the {@code k} points nearest {@code query} by {@code distance} (lower is nearer),
     * ties by id: the exact answer searches are checked against.
     */
    static List<String> bruteForce(
            Map<String, float[]> points,
            float[] query,
            int k,
            ToDoubleBiFunction<float[], float[]> distance) {
        List<Map.Entry<String, float[]>> all = new ArrayList<>(points.entrySet());
        all.sort(
                Comparator.<Map.Entry<String, float[]>>comparingDouble(
                                e -> distance.applyAsDouble(e.getValue(), query))
                        .thenComparing(Map.Entry::getKey));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < k && i < all.size(); i++) {
            out.add(all.get(i).getKey());
        }
        return out;
    }

    /** A vector of {@code dim} standard Gaussian components. */
    static float[] gaussian(Random random, int dim) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    /** Sets {@code node}'s field "vector" to {@code v}. */
    static ObjectNode putVector(ObjectNode node, float[] v) {
        ArrayNode vector = node.putArray("vector");
        for (float f : v) {
            vector.add(f);
        }
        return node;
    }

    /** A search body: the vector, the limit, the consistency and its token (when not null). */
    static ObjectNode searchBody(float[] vector, int limit, String consistency, String token) {
        ObjectNode body = putVector(JSON.createObjectNode(), vector);
        body.put("limit", limit).put("consistency", consistency);
        if (token != null) {
            body.put("token", token);
        }
        return body;
    }
}
