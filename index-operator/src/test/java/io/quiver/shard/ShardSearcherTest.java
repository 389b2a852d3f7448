package io.quiver.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.quiver.index.Metric;
import io.quiver.index.flat.FlatIndex;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import io.quiver.schemas.rpc.ShardResult.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ShardSearcherTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ShardRegistry registry = ShardFixtures.registry();
    private final ShardSearcher searcher = new ShardSearcher(registry, pool, timer);

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
        timer.shutdownNow();
    }

    @Test
    void waitsForTheRequiredOffsetsThenSearches() throws Exception {
        CompletableFuture<SearchResponse> answer = new CompletableFuture<>();
        searcher.submit(requiring(0, 50, 5_000), answer::complete);
        assertThat(answer).isNotDone();
        registry.get(ShardFixtures.SHARD).advance(0, 50);
        ShardResult r = answer.get(5, TimeUnit.SECONDS).shards().get(0);
        assertThat(r.status()).isEqualTo(Status.OK);
        assertThat(r.appliedOffsets()).containsExactly(50L);
    }

    @Test
    void answersTimeoutWhenTheShardDoesNotCatchUp() throws Exception {
        CompletableFuture<SearchResponse> answer = new CompletableFuture<>();
        long start = System.nanoTime();
        searcher.submit(requiring(0, 99, 100), answer::complete);
        ShardResult r = answer.get(5, TimeUnit.SECONDS).shards().get(0);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(100_000_000L);
        assertThat(r.status()).isEqualTo(Status.TIMEOUT);
        assertThat(r.message()).contains("had applied {0:41}");
        assertThat(r.appliedOffsets()).containsExactly(41L);
        assertThat(r.size()).isZero();
    }

    @Test
    void treatsAnUnseenPartitionAsNothingApplied() throws Exception {
        CompletableFuture<SearchResponse> answer = new CompletableFuture<>();
        searcher.submit(requiring(7, 0, 50), answer::complete);
        assertThat(answer.get(5, TimeUnit.SECONDS).shards().get(0).status())
                .isEqualTo(Status.TIMEOUT);
    }

    @Test
    void answersAtOnceWhenAlreadyCaughtUp() throws Exception {
        CompletableFuture<SearchResponse> answer = new CompletableFuture<>();
        searcher.submit(requiring(0, 41, 60_000), answer::complete);
        assertThat(answer.get(5, TimeUnit.SECONDS).shards().get(0).status()).isEqualTo(Status.OK);
    }

    @Test
    void aSyncRequestWaitsForTheOffsetsAndAnswersWithoutHits() throws Exception {
        CompletableFuture<SearchResponse> answer = new CompletableFuture<>();
        SearchRequest sync =
                new SearchRequest(
                        1,
                        "any collection",
                        new int[] {ShardFixtures.SHARD},
                        0,
                        0,
                        false,
                        new float[0],
                        5_000,
                        new int[] {0},
                        new long[] {60L},
                        null);
        searcher.submit(sync, answer::complete);
        assertThat(answer).isNotDone();
        registry.get(ShardFixtures.SHARD).advance(0, 60);
        ShardResult r = answer.get(5, TimeUnit.SECONDS).shards().get(0);
        assertThat(r.status()).isEqualTo(Status.OK);
        assertThat(r.size()).isZero();
        assertThat(r.appliedOffsets()).containsExactly(60L);
    }

    @Test
    void exactScoresAreRecomputedFromTheVectorsAsWritten() throws Exception {
        LiveCollection cos =
                new LiveCollection(
                        "cos",
                        "{}".getBytes(StandardCharsets.UTF_8),
                        64,
                        new FlatIndex(2, Metric.COSINE));
        cos.upsert("x", new float[] {3, 4}, null);
        cos.upsert("y", new float[] {0, 2}, null);
        registry.get(ShardFixtures.SHARD).putCollection(cos);

        ShardResult l2 = search(ShardFixtures.COLLECTION, new float[] {1, 0.5f}, 3);
        assertThat(l2.status()).isEqualTo(Status.OK);
        assertThat(ids(l2)).containsExactly("b", "a", "c");
        assertThat(l2.scores()[0]).isCloseTo(0.5f, offset(1e-6f));
        assertThat(l2.scores()[1]).isCloseTo((float) Math.sqrt(1.25), offset(1e-6f));

        ShardResult c = search("cos", new float[] {0, 1}, 2);
        assertThat(ids(c)).containsExactly("y", "x");
        assertThat(c.scores()[0]).isCloseTo(1f, offset(1e-6f));
        assertThat(c.scores()[1]).isCloseTo(0.8f, offset(1e-6f));
    }

    @Test
    void aRequestForManyShardsSplitOverTheSearchThreadsIsAnsweredInShardOrder() throws Exception {
        ShardRegistry many = new ShardRegistry();
        for (int s = 0; s < 9; s++) {
            LiveShard shard = new LiveShard(s);
            LiveCollection docs =
                    new LiveCollection(
                            ShardFixtures.COLLECTION,
                            "{}".getBytes(StandardCharsets.UTF_8),
                            64,
                            new FlatIndex(2, Metric.L2));
            docs.upsert("p" + s, new float[] {s, 0}, null);
            shard.putCollection(docs);
            shard.setReady(true);
            many.register(shard);
        }
        // Shard 9 lives elsewhere: its slot still gets its answer.
        int[] asked = {8, 0, 9, 4, 1, 7, 2, 6, 3, 5};
        ShardSearcher split = new ShardSearcher(many, pool, timer, 2);
        CompletableFuture<SearchResponse> answer = new CompletableFuture<>();
        split.submit(
                new SearchRequest(
                        7,
                        ShardFixtures.COLLECTION,
                        asked,
                        1,
                        0,
                        false,
                        new float[] {0, 0},
                        5_000,
                        null,
                        null,
                        null),
                answer::complete);
        SearchResponse r = answer.get(5, TimeUnit.SECONDS);
        assertThat(r.requestId()).isEqualTo(7);
        assertThat(r.shards())
                .extracting(ShardResult::shard)
                .containsExactly(8, 0, 9, 4, 1, 7, 2, 6, 3, 5);
        for (ShardResult one : r.shards()) {
            if (one.shard() == 9) {
                assertThat(one.status()).isEqualTo(Status.NOT_HERE);
            } else {
                assertThat(one.status()).isEqualTo(Status.OK);
                assertThat(ids(one)).containsExactly("p" + one.shard());
            }
        }
    }

    @Test
    void onlySmallIndexSearchesOfOneShardWithNothingToWaitForRunInline() {
        int shard = ShardFixtures.SHARD;
        // The fixture's collection searches with ef 64 by default and has applied offset 41.
        assertThat(searcher.runsInline(inline(new int[] {shard}, 10, 0, null, null))).isTrue();
        assertThat(searcher.runsInline(inline(new int[] {shard}, 100, 128, null, null))).isTrue();
        assertThat(searcher.runsInline(inline(new int[] {shard}, 10, 0, new long[] {41}, null)))
                .isTrue();
        assertThat(searcher.runsInline(inline(new int[] {shard, 5}, 10, 0, null, null))).isFalse();
        assertThat(searcher.runsInline(inline(new int[] {shard}, 101, 0, null, null))).isFalse();
        assertThat(searcher.runsInline(inline(new int[] {shard}, 10, 129, null, null))).isFalse();
        assertThat(searcher.runsInline(inline(new int[] {shard}, 10, 0, new long[] {42}, null)))
                .as("offsets not applied yet: the request waits, off the event loop")
                .isFalse();
        assertThat(
                        searcher.runsInline(
                                inline(
                                        new int[] {shard},
                                        10,
                                        0,
                                        null,
                                        "{\"must\":[{\"key\":\"k\",\"match\":{\"value\":1}}]}")))
                .as("a filtered search may scan the shard")
                .isFalse();
        assertThat(
                        searcher.runsInline(
                                inline(new int[] {shard}, 10, 0, null, null).withExactSearch(true)))
                .isFalse();
        LiveCollection wide =
                new LiveCollection(
                        "wide",
                        "{}".getBytes(StandardCharsets.UTF_8),
                        500,
                        new FlatIndex(2, Metric.L2));
        registry.get(shard).putCollection(wide);
        assertThat(
                        searcher.runsInline(
                                SearchRequest.simple(
                                        1,
                                        "wide",
                                        new int[] {shard},
                                        10,
                                        0,
                                        false,
                                        new float[] {0, 0},
                                        1000)))
                .as("the collection's default ef is over the bound")
                .isFalse();
    }

    private static SearchRequest inline(
            int[] shards, int k, int ef, long[] requiredOffset, String filter) {
        return new SearchRequest(
                1,
                ShardFixtures.COLLECTION,
                shards,
                k,
                ef,
                false,
                new float[] {0, 0},
                1000,
                requiredOffset == null ? null : new int[] {0},
                requiredOffset,
                filter == null ? null : filter.getBytes(StandardCharsets.UTF_8));
    }

    private ShardResult search(String collection, float[] query, int k) throws Exception {
        CompletableFuture<SearchResponse> answer = new CompletableFuture<>();
        searcher.submit(
                new SearchRequest(
                                1,
                                collection,
                                new int[] {ShardFixtures.SHARD},
                                k,
                                0,
                                false,
                                query,
                                5_000,
                                null,
                                null,
                                null)
                        .withExactScores(true),
                answer::complete);
        return answer.get(5, TimeUnit.SECONDS).shards().get(0);
    }

    private static List<String> ids(ShardResult r) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            ids.add(r.ids()[i]);
        }
        return ids;
    }

    private static SearchRequest requiring(int partition, long offset, int timeoutMs) {
        return new SearchRequest(
                1,
                ShardFixtures.COLLECTION,
                new int[] {ShardFixtures.SHARD},
                2,
                0,
                false,
                new float[] {0, 0},
                timeoutMs,
                new int[] {partition},
                new long[] {offset},
                null);
    }
}
