package io.quiver.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.testing.FakeShardServer;
import io.quiver.query.testing.HttpJson;
import io.quiver.query.testing.Ports;
import io.quiver.query.testing.ShardStatusJob;
import io.quiver.schemas.Topics;
import io.quiver.schemas.rpc.ShardResult;
import io.quiver.testkit.EmbeddedKafka;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server as the local stack runs it: shards located through Flink's REST API and Queryable
 * State (a MiniCluster job publishes the statuses), searches sent to the shard servers the statuses
 * name (fakes here), merged and answered over HTTP.
 */
class QueryServerFlinkITCase {

    private static final int SHARDS = 4;
    private static final String JOB = "quiver-it";
    private static final int PROXY_PORT = Ports.free();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(
                                    ShardStatusJob.queryableState(PROXY_PORT, Ports.free()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static EmbeddedKafka kafka;
    private static FakeShardServer tmA;
    private static FakeShardServer tmB;
    private static QueryServer server;
    private static HttpJson http;
    private static Map<Integer, ShardEndpoint> layout;

    @BeforeAll
    static void start(@InjectClusterClient RestClusterClient<?> flink) {
        kafka = EmbeddedKafka.create().start();
        Topics topics = new Topics("flinkit");
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.upserts(), 2);
        tmA = new FakeShardServer();
        tmB = new FakeShardServer();
        tmA.answer = QueryServerFlinkITCase::hit;
        tmB.answer = QueryServerFlinkITCase::hit;
        layout = Map.of(0, tmA.endpoint(), 1, tmB.endpoint(), 2, tmA.endpoint(), 3, tmB.endpoint());
        server =
                QueryServer.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(topics.prefix())
                        .shards(SHARDS)
                        .maxParallelism(128)
                        .flinkRestUrl(flink.getWebInterfaceURL())
                        .jobName(JOB)
                        .queryableStateProxy("127.0.0.1:" + PROXY_PORT)
                        .directoryRefreshMs(200)
                        .port(0)
                        .build()
                        .start();
        http = new HttpJson(server.port());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> http.get("/readyz").json().at("/result/catalog_loaded").asBoolean());
        assertThat(
                        http.put("/collections/docs", "{\"dimension\":2,\"metric\":\"cosine\"}")
                                .status())
                .isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
        tmA.close();
        tmB.close();
        kafka.close();
    }

    private static ShardResult hit(int shard) {
        return new ShardResult(
                shard,
                ShardResult.Status.OK,
                "",
                null,
                null,
                new String[] {"p" + shard},
                new float[] {shard / 10f},
                null);
    }

    @Test
    void searchesTheShardsTheJobAnnouncesAndAnswersPartialWithoutTheJob() throws Exception {
        HttpJson.Answer before =
                http.post(
                        "/collections/docs/points/search", "{\"vector\":[1,0],\"timeout_ms\":200}");
        assertThat(before.status()).isEqualTo(200);
        assertThat(before.json().get("partial").asBoolean()).isTrue();
        assertThat(before.json().get("missing_shards")).hasSize(SHARDS);

        JobClient job = ShardStatusJob.submit(JOB, SHARDS, 128, layout);
        await().atMost(Duration.ofSeconds(60)).until(() -> http.get("/readyz").status() == 200);

        HttpJson.Answer r =
                http.post("/collections/docs/points/search", "{\"vector\":[1,0],\"limit\":3}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("partial").asBoolean()).isFalse();
        assertThat(r.json().at("/result/0/id").asText()).isEqualTo("p3");
        assertThat(r.json().at("/result/1/id").asText()).isEqualTo("p2");
        assertThat(r.json().at("/result/2/id").asText()).isEqualTo("p1");
        assertThat(tmA.requests.get(tmA.requests.size() - 1).shards()).containsExactly(0, 2);
        assertThat(tmB.requests.get(tmB.requests.size() - 1).shards()).containsExactly(1, 3);

        job.cancel().get();
        await().atMost(Duration.ofSeconds(30))
                .until(
                        () ->
                                http.post(
                                                        "/collections/docs/points/search",
                                                        "{\"vector\":[1,0],\"timeout_ms\":200}")
                                                .json()
                                                .at("/missing_shards")
                                                .size()
                                        == SHARDS);
    }
}
