package io.quiver.query.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.testing.FakeShardServer;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NettyShardClientITCase {

    private final EventLoopGroup group =
            new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final NettyShardClient client = new NettyShardClient(group, 2);
    private final FakeShardServer server = new FakeShardServer();

    @AfterEach
    void tearDown() {
        client.close();
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private SearchRequest request(int... shards) {
        return SearchRequest.simple(
                client.nextRequestId(), "docs", shards, 5, 0, true, new float[] {1, 2}, 1000);
    }

    @Test
    void carriesManyConcurrentRequestsMatchedById() throws Exception {
        server.answer =
                s ->
                        new ShardResult(
                                s,
                                ShardResult.Status.OK,
                                "",
                                new int[] {0},
                                new long[] {9},
                                new String[] {"id" + s},
                                new float[] {s},
                                new byte[][] {"{\"s\":1}".getBytes()});
        List<CompletableFuture<SearchResponse>> futures = new ArrayList<>();
        List<SearchRequest> requests = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            SearchRequest r = request(i % 7, 7 + i % 3);
            requests.add(r);
            futures.add(client.search(server.endpoint(), r, 5000));
        }
        for (int i = 0; i < futures.size(); i++) {
            SearchResponse resp = futures.get(i).get(10, TimeUnit.SECONDS);
            assertThat(resp.requestId()).isEqualTo(requests.get(i).requestId());
            assertThat(resp.shards())
                    .extracting(ShardResult::shard)
                    .containsExactly(i % 7, 7 + i % 3);
            assertThat(resp.shards().get(0).ids()).containsExactly("id" + (i % 7));
            assertThat(resp.shards().get(0).appliedOffsets()).containsExactly(9L);
        }
        assertThat(server.requests).hasSize(200);
    }

    @Test
    void aSlowServerTimesOut() {
        server.delayMs = 2000;
        CompletableFuture<SearchResponse> f = client.search(server.endpoint(), request(0), 100);
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ShardTimeoutException.class);
    }

    @Test
    void nobodyListeningIsAConnectionFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CompletableFuture<SearchResponse> f =
                client.search(new ShardEndpoint("127.0.0.1", port), request(0), 1000);
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ShardConnectionException.class);
    }

    @Test
    void aServerThatGoesAwayFailsPendingRequestsAsConnectionFailures() throws Exception {
        client.search(server.endpoint(), request(0), 1000).get(5, TimeUnit.SECONDS);
        server.delayMs = 5000;
        CompletableFuture<SearchResponse> f = client.search(server.endpoint(), request(0), 10_000);
        Thread.sleep(100);
        server.close();
        assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ShardConnectionException.class);
    }
}
