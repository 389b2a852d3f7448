package io.quiver.query.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.Test;

class QueryableStateLookupTest {

    @Test
    void parsesACommaSeparatedListOfProxies() {
        assertThat(QueryableStateLookup.parseProxies("tm1:9069, tm2:9070"))
                .containsExactly(new ShardEndpoint("tm1", 9069), new ShardEndpoint("tm2", 9070));
        assertThat(QueryableStateLookup.parseProxies("127.0.0.1:9069"))
                .containsExactly(new ShardEndpoint("127.0.0.1", 9069));
    }

    @Test
    void refusesAnEmptyOrMalformedList() {
        assertThatThrownBy(() -> QueryableStateLookup.parseProxies(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host:port[,host:port...]");
        assertThatThrownBy(() -> QueryableStateLookup.parseProxies("tm1:9069,tm2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'tm2'");
        assertThatThrownBy(() -> new QueryableStateLookup(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one");
    }

    @Test
    void failsWithTheLastProxysErrorOnlyAfterTryingEveryProxy() throws Exception {
        int closedA = closedPort();
        int closedB = closedPort();
        try (QueryableStateLookup lookup =
                new QueryableStateLookup(
                        List.of(
                                new ShardEndpoint("127.0.0.1", closedA),
                                new ShardEndpoint("127.0.0.1", closedB)))) {
            CompletableFuture<byte[]> result = lookup.lookup(new JobID(), 7);
            assertThatThrownBy(() -> result.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining(Integer.toString(closedB));
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
