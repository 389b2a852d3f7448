package io.quiver.query.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.schemas.rpc.CountRequest;
import io.quiver.schemas.rpc.CountResponse;
import io.quiver.schemas.rpc.GetPointRequest;
import io.quiver.schemas.rpc.GetPointResponse;
import io.quiver.schemas.rpc.SearchBatchRequest;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.TermStatsRequest;
import io.quiver.schemas.rpc.TermStatsResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class CircuitBreakingShardClientTest {

    private static final ShardEndpoint SLOW = new ShardEndpoint("127.0.0.1", 1);

    /** A shard server that answers nothing in time. */
    private static final class TimingOut implements ShardClient {
        private static <T> CompletableFuture<T> late() {
            return CompletableFuture.failedFuture(new ShardTimeoutException("no answer"));
        }

        @Override
        public CompletableFuture<SearchResponse> search(
                ShardEndpoint endpoint, SearchRequest request, long timeoutMs) {
            return late();
        }

        @Override
        public CompletableFuture<SearchBatchResponse> searchBatch(
                ShardEndpoint endpoint, SearchBatchRequest request, long timeoutMs) {
            return late();
        }

        @Override
        public CompletableFuture<GetPointResponse> get(
                ShardEndpoint endpoint, GetPointRequest request, long timeoutMs) {
            return late();
        }

        @Override
        public CompletableFuture<CountResponse> count(
                ShardEndpoint endpoint, CountRequest request, long timeoutMs) {
            return late();
        }

        @Override
        public CompletableFuture<TermStatsResponse> termStats(
                ShardEndpoint endpoint, TermStatsRequest request, long timeoutMs) {
            return late();
        }

        @Override
        public long nextRequestId() {
            return 1;
        }

        @Override
        public void close() {}
    }

    @Test
    void termStatisticsTimeoutsDoNotOpenTheBreakerSearchesUseButSearchTimeoutsDo() {
        CircuitBreakingShardClient client =
                new CircuitBreakingShardClient(
                        new TimingOut(), new QueryMetrics(), Duration.ofSeconds(60));
        TermStatsRequest stats =
                new TermStatsRequest(1, "docs", new int[] {0}, "text", List.of("quokka"));
        for (int i = 0; i < CircuitBreakingShardClient.WINDOW; i++) {
            assertThat(client.termStats(SLOW, stats, 200)).isCompletedExceptionally();
        }
        assertThat(client.state(SLOW)).isEqualTo(CircuitBreaker.State.CLOSED);

        SearchRequest search =
                SearchRequest.simple(1, "docs", new int[] {0}, 10, 0, false, new float[] {1}, 1000);
        for (int i = 0; i < CircuitBreakingShardClient.WINDOW; i++) {
            client.search(SLOW, search, 1000);
        }
        assertThat(client.state(SLOW)).isEqualTo(CircuitBreaker.State.OPEN);
    }
}
