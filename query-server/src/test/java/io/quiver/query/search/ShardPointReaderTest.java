package io.quiver.query.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.routing.ShardState;
import io.quiver.query.rpc.ShardClient;
import io.quiver.query.rpc.ShardConnectionException;
import io.quiver.query.testing.MutableShardDirectory;
import io.quiver.schemas.filter.Filter;
import io.quiver.schemas.filter.Filters;
import io.quiver.schemas.filter.Match;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.rpc.CountRequest;
import io.quiver.schemas.rpc.CountResponse;
import io.quiver.schemas.rpc.GetPointRequest;
import io.quiver.schemas.rpc.GetPointResponse;
import io.quiver.schemas.rpc.SearchBatchRequest;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ShardPointReaderTest {

    private static final ShardEndpoint A = new ShardEndpoint("tm-a", 7000);
    private static final ShardEndpoint B = new ShardEndpoint("tm-b", 7000);

    private final ShardKeys keys = new ShardKeys(4, 128);
    private final MutableShardDirectory directory = new MutableShardDirectory(4);
    private final FakeClient client = new FakeClient();
    private final ShardPointReader reader = new ShardPointReader(directory, client, keys);

    /** Shards answer from their endpoint's view: points it holds, counts per shard. */
    private static final class FakeClient implements ShardClient {

        @Override
        public CompletableFuture<SearchBatchResponse> searchBatch(
                ShardEndpoint endpoint, SearchBatchRequest request, long timeoutMs) {
            return CompletableFuture.failedFuture(
                    new UnsupportedOperationException("lookups only"));
        }

        final List<Object> sent = new ArrayList<>();
        final Map<ShardEndpoint, Map<Integer, Long>> counts = new ConcurrentHashMap<>();
        final Map<ShardEndpoint, Map<String, float[]>> points = new ConcurrentHashMap<>();
        volatile ShardEndpoint unreachable;
        final AtomicLong ids = new AtomicLong();

        @Override
        public CompletableFuture<SearchResponse> search(
                ShardEndpoint endpoint, SearchRequest request, long timeoutMs) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException());
        }

        @Override
        public synchronized CompletableFuture<GetPointResponse> get(
                ShardEndpoint endpoint, GetPointRequest request, long timeoutMs) {
            sent.add(request);
            if (endpoint.equals(unreachable)) {
                return CompletableFuture.failedFuture(new ShardConnectionException("gone", null));
            }
            Map<String, float[]> held = points.get(endpoint);
            if (held == null) {
                return CompletableFuture.completedFuture(
                        GetPointResponse.failed(
                                request.requestId(), request.shard(), Status.NOT_HERE, "moved"));
            }
            float[] v = held.get(request.id());
            return CompletableFuture.completedFuture(
                    v == null
                            ? GetPointResponse.notFound(request.requestId(), request.shard())
                            : new GetPointResponse(
                                    request.requestId(), request.shard(), Status.OK, "", v, null));
        }

        @Override
        public synchronized CompletableFuture<CountResponse> count(
                ShardEndpoint endpoint, CountRequest request, long timeoutMs) {
            sent.add(request);
            List<CountResponse.Count> out = new ArrayList<>();
            Map<Integer, Long> byShard = counts.getOrDefault(endpoint, Map.of());
            for (int s : request.shards()) {
                Long n = byShard.get(s);
                out.add(
                        n == null
                                ? new CountResponse.Count(s, Status.UNKNOWN_COLLECTION, "", 0)
                                : n < 0
                                        ? new CountResponse.Count(s, Status.RECOVERING, "r", 0)
                                        : new CountResponse.Count(s, Status.OK, "", n));
            }
            return CompletableFuture.completedFuture(new CountResponse(request.requestId(), out));
        }

        @Override
        public long nextRequestId() {
            return ids.incrementAndGet();
        }

        @Override
        public void close() {}
    }

    @Test
    void asksOnlyTheShardThatHoldsThePoint() {
        int shard = keys.shardOf("docs", "p1");
        directory.put(0, A).put(1, A).put(2, A).put(3, A);
        client.points.put(A, Map.of("p1", new float[] {1, 2}));
        PointLookup lookup = reader.get("docs", "p1", 1000).join();
        assertThat(lookup.found()).isTrue();
        assertThat(lookup.shard()).isEqualTo(shard);
        assertThat(lookup.vector()).containsExactly(1f, 2f);
        assertThat(client.sent).hasSize(1);
        GetPointRequest sent = (GetPointRequest) client.sent.get(0);
        assertThat(sent.shard()).isEqualTo(shard);
        assertThat(sent.collection()).isEqualTo("docs");
        assertThat(sent.id()).isEqualTo("p1");
    }

    @Test
    void anAbsentPointIsAnsweredNotFound() {
        directory.put(0, A).put(1, A).put(2, A).put(3, A);
        client.points.put(A, Map.of());
        PointLookup lookup = reader.get("docs", "p1", 1000).join();
        assertThat(lookup.answered()).isTrue();
        assertThat(lookup.found()).isFalse();
    }

    @Test
    void aMovedShardIsFollowedAfterARefresh() {
        int shard = keys.shardOf("docs", "p1");
        directory.put(shard, A).afterRefresh(shard, B);
        client.unreachable = A;
        client.points.put(B, Map.of("p1", new float[] {3}));
        PointLookup lookup = reader.get("docs", "p1", 1000).join();
        assertThat(lookup.found()).isTrue();
        assertThat(directory.refreshes.get()).isEqualTo(1);
    }

    @Test
    void aShardThatIsNotReadyLeavesThePointUnanswered() {
        int shard = keys.shardOf("docs", "p1");
        directory.put(shard, A).put(shard, ShardState.RECOVERING);
        PointLookup lookup = reader.get("docs", "p1", 1000).join();
        assertThat(lookup.answered()).isFalse();
        assertThat(client.sent).isEmpty();
    }

    @Test
    void countsSumAllShardsWithOneCallPerServer() {
        directory.put(0, A).put(1, B).put(2, A).put(3, B);
        client.counts.put(A, Map.of(0, 10L, 2, 5L));
        client.counts.put(B, Map.of(1, 1L));
        Filter filter = new Filter(List.of(new Match("k", 1L)), List.of(), List.of());
        CountOutcome outcome = reader.count("docs", filter, 1000).join();
        // Shard 3 has not seen the collection yet: it holds none of its points.
        assertThat(outcome.count()).isEqualTo(16);
        assertThat(outcome.exact()).isTrue();
        assertThat(outcome.answeredShards()).isEqualTo(4);
        assertThat(client.sent).hasSize(2);
        assertThat(client.sent)
                .allSatisfy(
                        r ->
                                assertThat(Filters.parse(((CountRequest) r).filter()))
                                        .isEqualTo(filter));
    }

    @Test
    void aCountNamesTheShardsThatDidNotAnswer() {
        directory.put(0, A).put(1, A).put(2, A);
        client.counts.put(A, Map.of(0, 10L, 1, -1L, 2, 3L));
        CountOutcome outcome = reader.count("docs", null, 1000).join();
        assertThat(outcome.count()).isEqualTo(13);
        assertThat(outcome.exact()).isFalse();
        assertThat(outcome.missingShards()).containsExactly(1, 3);
        assertThat(((CountRequest) client.sent.get(0)).filter()).isEmpty();
    }

    @Test
    void refusesShardKeysThatDisagreeWithTheDirectory() {
        assertThatThrownBy(() -> new ShardPointReader(directory, client, new ShardKeys(8, 128)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shard keys for 8 shards but the directory has 4");
    }
}
