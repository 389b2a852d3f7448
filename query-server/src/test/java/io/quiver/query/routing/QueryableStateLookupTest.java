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
import java.util.concurrent.TimeoutException;
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

    @Test
    void connectsAgainOnceAProxyThatRefusedComesBack() throws Exception {
        int port = closedPort();
        try (QueryableStateLookup lookup =
                new QueryableStateLookup(List.of(new ShardEndpoint("127.0.0.1", port)))) {
            assertThatThrownBy(() -> lookup.lookup(new JobID(), 1).get(30, TimeUnit.SECONDS))
                    .hasMessageContaining("Connection refused");
            // The proxy is back (a listener that never answers): the next lookup must reach it
            // and wait for an answer instead of failing with the first attempt's refusal.
            Thread.sleep(1_100);
            try (ServerSocket back = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
                CompletableFuture<byte[]> pending = lookup.lookup(new JobID(), 1);
                assertThatThrownBy(() -> pending.get(2, TimeUnit.SECONDS))
                        .isInstanceOf(TimeoutException.class);
            }
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
