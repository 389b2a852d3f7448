package io.quiver.query;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QueryServerBuilderTest {

    private static QueryServer.Builder valid() {
        return QueryServer.builder()
                .bootstrapServers("127.0.0.1:9092")
                .flinkRestUrl("http://127.0.0.1:8081")
                .queryableStateProxy("127.0.0.1:9069");
    }

    @Test
    void defaultsAreValid() {
        assertThatCode(() -> valid().build()).doesNotThrowAnyException();
    }

    @Test
    void namesEveryBadValue() {
        assertThatThrownBy(() -> valid().port(70000).build())
                .hasMessage("port must be 0-65535, got 70000");
        assertThatThrownBy(() -> valid().bootstrapServers(" ").build())
                .hasMessageContaining("bootstrap servers must be set");
        assertThatThrownBy(() -> valid().topicPrefix("a b").build())
                .hasMessageContaining("topic prefix 'a b'");
        assertThatThrownBy(() -> valid().shards(0).build())
                .hasMessage("shards must be >= 1, got 0");
        assertThatThrownBy(() -> valid().shards(64).maxParallelism(32).build())
                .hasMessageContaining("max parallelism must be between the shard count (64)");
        assertThatThrownBy(() -> valid().flinkRestUrl("localhost:8081").build())
                .hasMessageContaining("Flink REST URL must look like http://host:port");
        assertThatThrownBy(() -> valid().queryableStateProxy("nohost").build())
                .hasMessageContaining("address must be host:port, got 'nohost'");
        assertThatThrownBy(() -> valid().maxBodyBytes(10).build())
                .hasMessage("max body bytes must be at least 1024, got 10");
        assertThatThrownBy(() -> valid().maxBatchPoints(0).build())
                .hasMessage("max batch points must be 1-100000, got 0");
        assertThatThrownBy(() -> valid().requestTimeoutMs(0).build())
                .hasMessage("request timeout must be 1-60000 ms, got 0");
        assertThatThrownBy(() -> valid().directoryRefreshMs(2000).statusStaleMs(1000).build())
                .hasMessageContaining("must exceed the directory refresh");
        assertThatThrownBy(() -> valid().connectionsPerShardServer(0).build())
                .hasMessage("connections per shard server must be 1-64, got 0");
        assertThatThrownBy(() -> valid().shardCircuitOpenMs(0).build())
                .hasMessage("shard circuit open time must be 1-600000 ms, got 0");
    }

    @Test
    void aGivenDirectoryReplacesFlinkSettings() {
        assertThatCode(
                        () ->
                                QueryServer.builder()
                                        .bootstrapServers("127.0.0.1:9092")
                                        .shards(4)
                                        .shardDirectory(
                                                io.quiver.query.routing.ShardDirectory.fixed(
                                                        4, java.util.Map.of()))
                                        .build())
                .doesNotThrowAnyException();
        assertThatThrownBy(
                        () ->
                                QueryServer.builder()
                                        .bootstrapServers("127.0.0.1:9092")
                                        .shardDirectory(
                                                io.quiver.query.routing.ShardDirectory.fixed(
                                                        4, java.util.Map.of()))
                                        .build())
                .hasMessage("shard directory has 4 shards but shards is 32");
    }

    @Test
    void startTwiceIsRefused() {
        QueryServer server = valid().build();
        server.close();
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }
}
