package io.quiver.local;

import static org.awaitility.Awaitility.await;

import io.quiver.job.JobOptions;
import io.quiver.job.testing.FlinkTestCluster;
import io.quiver.query.QueryServer;
import io.quiver.schemas.Topics;
import io.quiver.testkit.EmbeddedKafka;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;

/**
 * The whole stack in one JVM for end-to-end tests: a Kafka broker with the topics of {@code topics}
 * (4 upsert partitions), the Flink job on a MiniCluster of 2 task slots (RocksDB, Queryable State)
 * and a query server on a free port, started and ready (every shard located) when {@link #start}
 * returns.
 */
final class TestStack implements AutoCloseable {

    final EmbeddedKafka kafka;
    final FlinkTestCluster cluster;
    final JobClient job;
    final QueryServer server;

    private TestStack(
            EmbeddedKafka kafka, FlinkTestCluster cluster, JobClient job, QueryServer server) {
        this.kafka = kafka;
        this.cluster = cluster;
        this.job = job;
        this.server = server;
    }

    static TestStack start(Path tmp, Topics topics, int shards, String jobName, int timeoutMs)
            throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.create().start();
        kafka.createTopic(topics.upserts(), 4);
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.deadLetters(), 1);
        FlinkTestCluster cluster = FlinkTestCluster.start(tmp, 2);
        JobClient job =
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
        QueryServer server =
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
        TestStack stack = new TestStack(kafka, cluster, job, server);
        HttpClient http = HttpClient.newHttpClient();
        URI ready = URI.create("http://127.0.0.1:" + server.port() + "/readyz");
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(250))
                .until(
                        () ->
                                http.send(
                                                        HttpRequest.newBuilder(ready).build(),
                                                        HttpResponse.BodyHandlers.discarding())
                                                .statusCode()
                                        == 200);
        return stack;
    }

    @Override
    public void close() throws Exception {
        server.close();
        job.cancel().get();
        cluster.close();
        kafka.close();
    }
}
