package io.quiver.local.bench;

import io.quiver.query.QueryServer;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.schemas.Topics;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import io.quiver.shard.ShardServer;
import io.quiver.testkit.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The served side of {@link HttpBenchmark}: a Kafka broker for the collection catalog, the shard
 * server holding the benchmark's graphs (one per shard, all on this one server, as one TaskManager
 * holds them), and a query server in front of it with the result cache off. Closing it stops all
 * three.
 */
final class BenchStack implements AutoCloseable {

    private static final String COLLECTION = "bench";

    private final EmbeddedKafka kafka;
    private final ShardServer shards;
    private final QueryServer server;
    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI searchUri;

    private BenchStack(EmbeddedKafka kafka, ShardServer shards, QueryServer server) {
        this.kafka = kafka;
        this.shards = shards;
        this.server = server;
        this.searchUri =
                URI.create(
                        "http://127.0.0.1:"
                                + server.port()
                                + "/collections/"
                                + COLLECTION
                                + "/points/search");
    }

    static BenchStack start(ShardedIndex index, float[][] vectors, int dim, int ef)
            throws Exception {
        System.err.println(
                "http-bench: starting a Kafka broker, the shard server and the query server");
        EmbeddedKafka kafka = EmbeddedKafka.create().start();
        Topics topics = new Topics("bench");
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.upserts(), 1);
        ShardServer shards = ShardServer.acquire("127.0.0.1", 0);
        String spec =
                "{\"dimension\":"
                        + dim
                        + ",\"metric\":\"l2\",\"index\":{\"type\":\"hnsw\",\"ef\":"
                        + ef
                        + "}}";
        Map<Integer, ShardEndpoint> endpoints = new HashMap<>();
        for (int s = 0; s < index.shards(); s++) {
            LiveShard shard = new LiveShard(s);
            LiveCollection collection =
                    new LiveCollection(
                            COLLECTION, spec.getBytes(StandardCharsets.UTF_8), ef, index.shard(s));
            for (int i : index.members(s)) {
                collection.putPoint(Integer.toString(i), vectors[i], null);
            }
            shard.putCollection(collection);
            shard.setReady(true);
            shards.registry().register(shard);
            endpoints.put(s, new ShardEndpoint(shards.host(), shards.port()));
        }
        QueryServer server =
                QueryServer.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(topics.prefix())
                        .shards(index.shards())
                        .shardDirectory(ShardDirectory.fixed(index.shards(), endpoints))
                        .port(0)
                        // Every search must reach the shard: repeated queries would be cache
                        // hits.
                        .resultCacheTtlMs(0)
                        .build()
                        .start();
        BenchStack stack = new BenchStack(kafka, shards, server);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        HttpRequest create =
                HttpRequest.newBuilder(
                                URI.create(
                                        "http://127.0.0.1:"
                                                + server.port()
                                                + "/collections/"
                                                + COLLECTION))
                        .PUT(HttpRequest.BodyPublishers.ofString(spec))
                        .build();
        // 503 until the server has read the collections topic; the same spec again is a no-op.
        HttpResponse<String> created;
        while ((created = stack.client.send(create, HttpResponse.BodyHandlers.ofString()))
                        .statusCode()
                != 200) {
            if (created.statusCode() != 503 || System.nanoTime() > deadline) {
                stack.close();
                throw new IllegalStateException("cannot create the collection: " + created.body());
            }
            Thread.sleep(100);
        }
        while (stack.get("/collections/" + COLLECTION) != 200) {
            if (System.nanoTime() > deadline) {
                stack.close();
                throw new IllegalStateException("the query server did not load the collection");
            }
            Thread.sleep(100);
        }
        return stack;
    }

    private int get(String path) throws Exception {
        return client.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + server.port() + path))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /** Where searches go. */
    URI searchUri() {
        return searchUri;
    }

    private HttpRequest request(byte[] body) {
        return HttpRequest.newBuilder(searchUri)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    /** One search; its answer body, failing unless 200 and complete. */
    byte[] search(byte[] body) throws Exception {
        return check(client.send(request(body), HttpResponse.BodyHandlers.ofByteArray()));
    }

    CompletableFuture<byte[]> searchAsync(byte[] body) {
        return client.sendAsync(request(body), HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(BenchStack::check);
    }

    private static byte[] check(HttpResponse<byte[]> r) {
        if (r.statusCode() != 200) {
            throw new IllegalStateException(
                    "search answered "
                            + r.statusCode()
                            + ": "
                            + new String(r.body(), StandardCharsets.UTF_8));
        }
        return r.body();
    }

    @Override
    public void close() {
        server.close();
        ShardServer.release();
        kafka.close();
    }
}
