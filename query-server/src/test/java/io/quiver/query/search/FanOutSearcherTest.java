package io.quiver.query.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.routing.ShardState;
import io.quiver.query.rpc.ShardClient;
import io.quiver.query.rpc.ShardConnectionException;
import io.quiver.query.rpc.ShardTimeoutException;
import io.quiver.query.testing.MutableShardDirectory;
import io.quiver.query.testing.Specs;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.filter.Filter;
import io.quiver.schemas.filter.Filters;
import io.quiver.schemas.filter.Match;
import io.quiver.schemas.rpc.CountRequest;
import io.quiver.schemas.rpc.CountResponse;
import io.quiver.schemas.rpc.GetPointRequest;
import io.quiver.schemas.rpc.GetPointResponse;
import io.quiver.schemas.rpc.SearchBatchRequest;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class FanOutSearcherTest {

    private static final ShardEndpoint A = new ShardEndpoint("tm-a", 7000);
    private static final ShardEndpoint B = new ShardEndpoint("tm-b", 7000);
    private static final ShardEndpoint C = new ShardEndpoint("tm-c", 7000);

    private final CollectionSpec spec = Specs.spec("docs", 2, "dot");
    private final MutableShardDirectory directory = new MutableShardDirectory(4);
    private final FakeClient client = new FakeClient();
    private final FanOutSearcher searcher = new FanOutSearcher(directory, client);

    /** Records requests; each endpoint answers through a function of the request. */
    private static final class FakeClient implements ShardClient {
        final List<Map.Entry<ShardEndpoint, SearchRequest>> sent = new ArrayList<>();
        final Map<ShardEndpoint, Function<SearchRequest, CompletableFuture<SearchResponse>>>
                behaviour = new ConcurrentHashMap<>();
        final AtomicLong ids = new AtomicLong();

        @Override
        public synchronized CompletableFuture<SearchResponse> search(
                ShardEndpoint endpoint, SearchRequest request, long timeoutMs) {
            sent.add(Map.entry(endpoint, request));
            return behaviour.getOrDefault(endpoint, FakeClient::hitPerShard).apply(request);
        }

        final List<Map.Entry<ShardEndpoint, SearchBatchRequest>> batches = new ArrayList<>();

        /** Answers each search of the batch as {@link #search} would, without recording it. */
        @Override
        public synchronized CompletableFuture<SearchBatchResponse> searchBatch(
                ShardEndpoint endpoint, SearchBatchRequest request, long timeoutMs) {
            batches.add(Map.entry(endpoint, request));
            List<SearchResponse> responses = new ArrayList<>();
            for (SearchRequest r : request.searches()) {
                responses.add(
                        behaviour.getOrDefault(endpoint, FakeClient::hitPerShard).apply(r).join());
            }
            return CompletableFuture.completedFuture(
                    new SearchBatchResponse(request.requestId(), responses));
        }

        /** Every shard answers one hit "s<shard>" scored by its shard number. */
        static CompletableFuture<SearchResponse> hitPerShard(SearchRequest r) {
            List<ShardResult> results = new ArrayList<>();
            for (int s : r.shards()) {
                results.add(
                        new ShardResult(
                                s,
                                ShardResult.Status.OK,
                                "",
                                null,
                                null,
                                new String[] {"s" + s},
                                new float[] {s},
                                null));
            }
            return CompletableFuture.completedFuture(new SearchResponse(r.requestId(), results));
        }

        static Function<SearchRequest, CompletableFuture<SearchResponse>> status(
                ShardResult.Status status) {
            return r -> {
                List<ShardResult> results = new ArrayList<>();
                for (int s : r.shards()) {
                    results.add(ShardResult.failed(s, status, status.name()));
                }
                return CompletableFuture.completedFuture(
                        new SearchResponse(r.requestId(), results));
            };
        }

        @Override
        public CompletableFuture<GetPointResponse> get(
                ShardEndpoint endpoint, GetPointRequest request, long timeoutMs) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("search only"));
        }

        @Override
        public CompletableFuture<CountResponse> count(
                ShardEndpoint endpoint, CountRequest request, long timeoutMs) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("search only"));
        }

        @Override
        public long nextRequestId() {
            return ids.incrementAndGet();
        }

        @Override
        public void close() {}
    }

    private SearchOutcome search() {
        return searcher.search(
                        spec,
                        new SearchQuery(
                                "docs", new float[] {1, 0}, 3, 0, false, null, 1000, Map.of()))
                .join();
    }

    private static List<String> ids(SearchOutcome o) {
        return o.hits().stream().map(Hit::id).toList();
    }

    @Test
    void sendsOneRequestPerShardServerAndMergesTheTopK() {
        directory.put(0, A).put(1, B).put(2, A).put(3, B);
        SearchOutcome o = search();
        assertThat(client.sent).hasSize(2);
        assertThat(client.sent)
                .anySatisfy(
                        e -> {
                            assertThat(e.getKey()).isEqualTo(A);
                            assertThat(e.getValue().shards()).containsExactly(0, 2);
                            assertThat(e.getValue().k()).isEqualTo(3);
                            assertThat(e.getValue().collection()).isEqualTo("docs");
                        });
        assertThat(client.sent.get(0).getValue().requestId())
                .isNotEqualTo(client.sent.get(1).getValue().requestId());
        assertThat(ids(o)).containsExactly("s3", "s2", "s1");
        assertThat(o.partial()).isFalse();
        assertThat(o.answeredShards()).isEqualTo(4);
    }

    @Test
    void shardsThatAreNotReadyAreMissing() {
        directory.put(0, A).put(1, A).put(2, A).put(3, B).put(3, ShardState.RECOVERING);
        SearchOutcome o = search();
        assertThat(o.missingShards()).containsExactly(3);
        assertThat(o.partial()).isTrue();
        assertThat(ids(o)).containsExactly("s2", "s1", "s0");
        assertThat(client.sent).hasSize(1);
    }

    @Test
    void notHereRefreshesAndRetriesTheMovedShardsOnce() {
        directory.put(0, A).put(1, A).put(2, B).put(3, B);
        client.behaviour.put(B, FakeClient.status(ShardResult.Status.NOT_HERE));
        directory.afterRefresh(2, C).afterRefresh(3, C);
        SearchOutcome o = search();
        assertThat(directory.refreshes.get()).isEqualTo(1);
        assertThat(client.sent).extracting(Map.Entry::getKey).containsExactlyInAnyOrder(A, B, C);
        assertThat(o.partial()).isFalse();
        assertThat(ids(o)).containsExactly("s3", "s2", "s1");
    }

    @Test
    void connectionFailureRefreshesAndRetries() {
        directory.put(0, A).put(1, A).put(2, B).put(3, B);
        client.behaviour.put(
                B,
                r -> CompletableFuture.failedFuture(new ShardConnectionException("refused", null)));
        directory.afterRefresh(2, A).afterRefresh(3, A);
        SearchOutcome o = search();
        assertThat(o.partial()).isFalse();
        assertThat(client.sent).hasSize(3);
        assertThat(client.sent.get(2).getValue().shards()).containsExactly(2, 3);
    }

    @Test
    void aShardThatMovesTwiceIsMissing() {
        directory.put(0, A).put(1, A).put(2, B).put(3, B);
        client.behaviour.put(B, FakeClient.status(ShardResult.Status.NOT_HERE));
        SearchOutcome o = search();
        assertThat(o.missingShards()).containsExactly(2, 3);
        assertThat(client.sent).hasSize(3);
    }

    @Test
    void timeoutsRecoveringAndErrorsAreMissingWithoutRetry() {
        directory.put(0, A).put(1, B).put(2, C).put(3, C);
        client.behaviour.put(
                A, r -> CompletableFuture.failedFuture(new ShardTimeoutException("slow")));
        client.behaviour.put(B, FakeClient.status(ShardResult.Status.RECOVERING));
        client.behaviour.put(C, FakeClient.status(ShardResult.Status.ERROR));
        SearchOutcome o = search();
        assertThat(o.missingShards()).containsExactly(0, 1, 2, 3);
        assertThat(o.answeredShards()).isZero();
        assertThat(client.sent).hasSize(3);
    }

    @Test
    void unknownCollectionCountsAsAnsweredWithoutHits() {
        directory.put(0, A).put(1, A).put(2, B).put(3, B);
        client.behaviour.put(B, FakeClient.status(ShardResult.Status.UNKNOWN_COLLECTION));
        SearchOutcome o = search();
        assertThat(o.partial()).isFalse();
        assertThat(o.answeredShards()).isEqualTo(4);
        assertThat(ids(o)).containsExactly("s1", "s0");
    }

    @Test
    void aShardLeftOutOfTheAnswerIsMissing() {
        directory.put(0, A).put(1, A).put(2, A).put(3, A);
        client.behaviour.put(
                A,
                r -> {
                    SearchRequest only01 =
                            SearchRequest.simple(
                                    r.requestId(),
                                    r.collection(),
                                    Arrays.copyOf(r.shards(), 2),
                                    r.k(),
                                    0,
                                    false,
                                    r.vector(),
                                    1);
                    return FakeClient.hitPerShard(only01);
                });
        SearchOutcome o = search();
        assertThat(o.missingShards()).containsExactly(2, 3);
    }

    @Test
    void nothingLocatedMeansNothingSent() {
        SearchOutcome o = search();
        assertThat(o.answeredShards()).isZero();
        assertThat(o.missingShards()).containsExactly(0, 1, 2, 3);
        assertThat(client.sent).isEmpty();
    }

    @Test
    void sendsTheFilterAsJsonToEveryShardServer() {
        directory.put(0, A).put(1, B).put(2, A).put(3, B);
        Filter filter = new Filter(List.of(new Match("color", "red")), List.of(), List.of());
        searcher.search(
                        spec,
                        new SearchQuery(
                                "docs",
                                new float[] {1, 0},
                                3,
                                0,
                                0,
                                false,
                                false,
                                null,
                                1000,
                                Map.of(),
                                filter))
                .join();
        assertThat(client.sent).hasSize(2);
        assertThat(client.sent)
                .allSatisfy(
                        e -> assertThat(Filters.parse(e.getValue().filter())).isEqualTo(filter));
    }

    @Test
    void anExactSearchSetsTheExactFlagOnEveryShardRequest() {
        directory.put(0, A).put(1, B).put(2, A).put(3, B);
        searcher.search(
                        spec,
                        new SearchQuery(
                                        "docs",
                                        new float[] {1, 0},
                                        3,
                                        0,
                                        false,
                                        null,
                                        1000,
                                        Map.of())
                                .withExact(true))
                .join();
        assertThat(client.sent).hasSize(2);
        assertThat(client.sent).allSatisfy(e -> assertThat(e.getValue().exactSearch()).isTrue());
        client.sent.clear();
        search();
        assertThat(client.sent).allSatisfy(e -> assertThat(e.getValue().exactSearch()).isFalse());
    }

    @Test
    void aBatchOfSearchesIsOneRequestPerShardServerAndEachIsMergedOnItsOwn() {
        directory.put(0, A).put(1, B).put(2, A).put(3, B);
        SearchQuery top3 =
                new SearchQuery("docs", new float[] {1, 0}, 3, 0, false, null, 1000, Map.of());
        SearchQuery top1 =
                new SearchQuery("docs", new float[] {0, 1}, 1, 0, false, null, 1000, Map.of());
        List<SearchOutcome> outcomes = searcher.searchBatch(spec, List.of(top3, top1)).join();
        assertThat(client.sent).isEmpty();
        assertThat(client.batches).hasSize(2);
        assertThat(client.batches)
                .allSatisfy(
                        e -> {
                            assertThat(e.getValue().searches()).hasSize(2);
                            assertThat(e.getValue().searches().get(0).k()).isEqualTo(3);
                            assertThat(e.getValue().searches().get(1).k()).isEqualTo(1);
                        });
        assertThat(ids(outcomes.get(0))).containsExactly("s3", "s2", "s1");
        assertThat(ids(outcomes.get(1))).containsExactly("s3");
        assertThat(outcomes.get(0).partial()).isFalse();
    }

    @Test
    void aShardThatTimesOutForOneSearchOfABatchIsMissingForThatSearchOnly() {
        directory.put(0, A).put(1, B).put(2, A).put(3, B);
        client.behaviour.put(
                B,
                r ->
                        r.k() == 1
                                ? FakeClient.status(ShardResult.Status.TIMEOUT).apply(r)
                                : FakeClient.hitPerShard(r));
        SearchQuery top3 =
                new SearchQuery("docs", new float[] {1, 0}, 3, 0, false, null, 1000, Map.of());
        SearchQuery top1 =
                new SearchQuery("docs", new float[] {0, 1}, 1, 0, false, null, 1000, Map.of());
        List<SearchOutcome> outcomes = searcher.searchBatch(spec, List.of(top3, top1)).join();
        assertThat(outcomes.get(0).missingShards()).isEmpty();
        assertThat(outcomes.get(1).missingShards()).containsExactly(1, 3);
        assertThat(ids(outcomes.get(1))).containsExactly("s2");
    }

    @Test
    void aBatchRetriesShardsThatMovedOnce() {
        directory.put(0, A).put(1, B).put(2, A).put(3, B);
        client.behaviour.put(B, FakeClient.status(ShardResult.Status.NOT_HERE));
        directory.afterRefresh(1, C).afterRefresh(3, C);
        SearchQuery q =
                new SearchQuery("docs", new float[] {1, 0}, 3, 0, false, null, 1000, Map.of());
        List<SearchOutcome> outcomes = searcher.searchBatch(spec, List.of(q, q)).join();
        assertThat(outcomes).allSatisfy(o -> assertThat(o.missingShards()).isEmpty());
        assertThat(directory.refreshes.get()).isEqualTo(1);
        assertThat(client.batches).extracting(Map.Entry::getKey).containsExactlyInAnyOrder(A, B, C);
    }

    @Test
    void sendsNoFilterBytesWithoutAFilter() {
        directory.put(0, A).put(1, A).put(2, A).put(3, A);
        search();
        assertThat(client.sent.get(0).getValue().filter()).isEmpty();
    }

    @Test
    void anOffsetAsksEveryShardForOffsetPlusLimitAndSkipsTheBest() {
        directory.put(0, A).put(1, B).put(2, A).put(3, B);
        SearchOutcome o =
                searcher.search(
                                spec,
                                new SearchQuery(
                                        "docs",
                                        new float[] {1, 0},
                                        2,
                                        1,
                                        0,
                                        false,
                                        true,
                                        null,
                                        1000,
                                        Map.of(),
                                        null))
                        .join();
        assertThat(client.sent).allSatisfy(e -> assertThat(e.getValue().k()).isEqualTo(3));
        assertThat(client.sent).allSatisfy(e -> assertThat(e.getValue().withVector()).isTrue());
        // Scores are the shard numbers, higher is better for dot: s3 s2 s1 s0; skip s3.
        assertThat(ids(o)).containsExactly("s2", "s1");
    }

    @Test
    void anOffsetPastTheHitsLeavesAnEmptyPage() {
        directory.put(0, A).put(1, A);
        SearchOutcome o =
                searcher.search(
                                spec,
                                new SearchQuery(
                                        "docs",
                                        new float[] {1, 0},
                                        5,
                                        10,
                                        0,
                                        false,
                                        false,
                                        null,
                                        1000,
                                        Map.of(),
                                        null))
                        .join();
        assertThat(o.hits()).isEmpty();
        assertThat(o.answeredShards()).isEqualTo(2);
    }
}
