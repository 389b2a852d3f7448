package io.quiver.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.quiver.schemas.rpc.CountRequest;
import io.quiver.schemas.rpc.CountResponse;
import io.quiver.schemas.rpc.GetPointRequest;
import io.quiver.schemas.rpc.GetPointResponse;
import io.quiver.schemas.rpc.RpcCodec;
import io.quiver.schemas.rpc.RpcError;
import io.quiver.schemas.rpc.SearchBatchRequest;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import io.quiver.schemas.rpc.ShardResult.Status;
import io.quiver.schemas.rpc.TermStatsRequest;
import io.quiver.schemas.rpc.TermStatsResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ShardRequestHandlerTest {

    private ScheduledExecutorService timer;
    private ShardRegistry registry;
    private EmbeddedChannel channel;

    @BeforeEach
    void setUp() {
        timer = Executors.newSingleThreadScheduledExecutor();
        registry = ShardFixtures.registry();
        // A direct search executor: the answer is written before writeInbound returns.
        ShardSearcher searcher = new ShardSearcher(registry, Runnable::run, timer);
        channel = new EmbeddedChannel();
        ShardServerInitializer.configure(channel.pipeline(), searcher);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        timer.shutdownNow();
    }

    @Test
    void answersTheTopKOfAShardWithPayloadsAndAppliedOffsets() {
        SearchResponse response =
                (SearchResponse)
                        roundTrip(
                                SearchRequest.simple(
                                        7,
                                        "docs",
                                        new int[] {ShardFixtures.SHARD},
                                        2,
                                        0,
                                        true,
                                        new float[] {0.1f, 0},
                                        1000));
        assertThat(response.requestId()).isEqualTo(7);
        ShardResult r = response.shards().get(0);
        assertThat(r.status()).isEqualTo(Status.OK);
        assertThat(r.ids()).containsExactly("a", "b");
        assertThat(r.scores()[0]).isEqualTo(0.1f);
        assertThat(new String(r.payloads()[0], StandardCharsets.UTF_8)).isEqualTo("{\"k\":1}");
        assertThat(r.payloads()[1]).isNull();
        assertThat(r.appliedPartitions()).containsExactly(0);
        assertThat(r.appliedOffsets()).containsExactly(41L);
    }

    @Test
    void answersASmallSearchOnTheEventLoopAndHandsTheRestToTheSearchPool() {
        // Whatever reaches the search pool is answered "shutting down".
        useRefusingSearchPool();

        SearchResponse small =
                (SearchResponse) roundTrip(request(new int[] {ShardFixtures.SHARD}, "docs", 2));
        assertThat(small.shards().get(0).status()).isEqualTo(Status.OK);
        assertThat(small.shards().get(0).ids()).containsExactly("a", "b");

        SearchResponse twoShards =
                (SearchResponse) roundTrip(request(new int[] {ShardFixtures.SHARD, 5}, "docs", 2));
        assertThat(twoShards.shards())
                .allSatisfy(r -> assertThat(r.message()).contains("shutting down"));
    }

    @Test
    void ofSmallSearchesArrivingInOneReadOnlyTheFirstRunsOnTheEventLoop() {
        useRefusingSearchPool(2);
        List<SearchResponse> answers = answersToTwoSmallSearchesInOneRead();
        assertThat(answers.get(0).shards().get(0).ids()).containsExactly("a");
        assertThat(answers.get(1).shards().get(0).message()).contains("shutting down");
    }

    @Test
    void withOneCpuEverySmallSearchOfAReadRunsOnTheEventLoop() {
        useRefusingSearchPool(1);
        List<SearchResponse> answers = answersToTwoSmallSearchesInOneRead();
        assertThat(answers)
                .allSatisfy(a -> assertThat(a.shards().get(0).ids()).containsExactly("a"));
    }

    /** The answers to requests 41 and 42, sent in one read, in that order. */
    private List<SearchResponse> answersToTwoSmallSearchesInOneRead() {
        SearchRequest first =
                SearchRequest.simple(
                        41,
                        "docs",
                        new int[] {ShardFixtures.SHARD},
                        1,
                        0,
                        false,
                        new float[] {0, 0},
                        1000);
        SearchRequest second =
                SearchRequest.simple(
                        42,
                        "docs",
                        new int[] {ShardFixtures.SHARD},
                        1,
                        0,
                        false,
                        new float[] {0, 0},
                        1000);
        ByteBuf both = Unpooled.buffer();
        for (SearchRequest r : List.of(first, second)) {
            ByteBuf body = Unpooled.buffer();
            RpcCodec.writeRequest(r, body);
            both.writeBytes(framed(body));
        }
        channel.writeInbound(both);
        List<SearchResponse> answers =
                List.of((SearchResponse) readOne(), (SearchResponse) readOne());
        return List.of(
                answers.stream().filter(a -> a.requestId() == 41).findFirst().orElseThrow(),
                answers.stream().filter(a -> a.requestId() == 42).findFirst().orElseThrow());
    }

    /** Replaces the channel by one whose search pool refuses every task. */
    private void useRefusingSearchPool() {
        useRefusingSearchPool(2);
    }

    /** Like {@link #useRefusingSearchPool()}, its event loop on {@code cpus} CPUs. */
    private void useRefusingSearchPool(int cpus) {
        ShardSearcher refusing =
                new ShardSearcher(
                        registry,
                        task -> {
                            throw new RejectedExecutionException("no search pool in this test");
                        },
                        timer);
        channel.finishAndReleaseAll();
        channel = new EmbeddedChannel();
        ShardServerInitializer.configure(
                channel.pipeline(), new ShardRequestHandler(refusing, () -> cpus));
    }

    /** Reads the next outbound frame: one buffer, its length prefix included. */
    private Object readOne() {
        ByteBuf frame = channel.readOutbound();
        try {
            assertThat(frame.readInt()).isEqualTo(frame.readableBytes());
            return RpcCodec.read(frame);
        } finally {
            frame.release();
        }
    }

    @Test
    void leavesPayloadsOutUnlessAsked() {
        SearchResponse response =
                (SearchResponse) roundTrip(request(new int[] {ShardFixtures.SHARD}, "docs", 1));
        assertThat(response.shards().get(0).payloads()[0]).isNull();
    }

    @Test
    void answersOneResultPerAskedShardWithItsOwnStatus() {
        LiveShard restoring = new LiveShard(9);
        registry.register(restoring);
        SearchResponse response =
                (SearchResponse)
                        roundTrip(request(new int[] {ShardFixtures.SHARD, 5, 9}, "docs", 3));
        List<ShardResult> shards = response.shards();
        assertThat(shards).extracting(ShardResult::shard).containsExactly(3, 5, 9);
        assertThat(shards)
                .extracting(ShardResult::status)
                .containsExactly(Status.OK, Status.NOT_HERE, Status.RECOVERING);
        assertThat(shards.get(1).message()).contains("shard 5 is not on this server");
    }

    @Test
    void reportsAnUnknownCollection() {
        SearchResponse response =
                (SearchResponse) roundTrip(request(new int[] {ShardFixtures.SHARD}, "nope", 3));
        ShardResult r = response.shards().get(0);
        assertThat(r.status()).isEqualTo(Status.UNKNOWN_COLLECTION);
        assertThat(r.message()).contains("collection 'nope' is unknown to shard 3");
    }

    @Test
    void refusesAQueryOfTheWrongDimensionAndABadK() {
        SearchResponse wrongDim =
                (SearchResponse)
                        roundTrip(
                                SearchRequest.simple(
                                        1,
                                        "docs",
                                        new int[] {ShardFixtures.SHARD},
                                        3,
                                        0,
                                        false,
                                        new float[] {1, 2, 3},
                                        1000));
        assertThat(wrongDim.shards().get(0).status()).isEqualTo(Status.ERROR);
        assertThat(wrongDim.shards().get(0).message())
                .contains("query vector has 3 dimensions, collection 'docs' expects 2");
        SearchResponse badK =
                (SearchResponse) roundTrip(request(new int[] {ShardFixtures.SHARD}, "docs", -1));
        assertThat(badK.shards().get(0).message()).contains("k must be between 0 and 1000, got -1");
    }

    @Test
    void answersGarbageWithAnErrorFrameAndKeepsServing() {
        ByteBuf garbage = Unpooled.buffer();
        garbage.writeInt(5);
        garbage.writeBytes(new byte[] {1, 1, 0, 0, 0});
        channel.writeInbound(garbage);
        Object error = readFrame();
        assertThat(error).isInstanceOf(RpcError.class);
        assertThat(((RpcError) error).message()).contains("truncated shard RPC frame");
        assertThat(channel.isOpen()).isTrue();

        Object next = roundTrip(request(new int[] {ShardFixtures.SHARD}, "docs", 1));
        assertThat(next).isInstanceOf(SearchResponse.class);
    }

    @Test
    void refusesAnUnknownVersionNamingIt() {
        ByteBuf frame = Unpooled.buffer();
        frame.writeInt(10);
        frame.writeByte(9).writeByte(1).writeLong(33);
        channel.writeInbound(frame);
        RpcError error = (RpcError) readFrame();
        assertThat(error.message()).contains("unsupported shard RPC version 9");
        assertThat(error.requestId()).isEqualTo(33);
    }

    @Test
    void refusesMessagesThatAreNotSearches() {
        ByteBuf body = Unpooled.buffer();
        RpcCodec.writeError(12, "not a request", body);
        channel.writeInbound(framed(body));
        RpcError error = (RpcError) readFrame();
        assertThat(error.message())
                .contains("only accepts SEARCH, SEARCH_BATCH, GET, COUNT and TERM_STATS messages");
        assertThat(error.requestId()).isEqualTo(12);
    }

    @Test
    void closesTheConnectionAfterAnOversizedFrame() {
        ByteBuf frame = Unpooled.buffer();
        frame.writeInt(RpcCodec.MAX_FRAME_BYTES + 1);
        frame.writeBytes(new byte[16]);
        channel.writeInbound(frame);
        RpcError error = (RpcError) readFrame();
        assertThat(error.message()).contains("frame too large");
        channel.runPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void getsAPointWithItsVectorAsWrittenAndItsPayload() {
        GetPointResponse a = get("docs", ShardFixtures.SHARD, "a");
        assertThat(a.requestId()).isEqualTo(5);
        assertThat(a.status()).isEqualTo(Status.OK);
        assertThat(a.found()).isTrue();
        assertThat(a.vector()).containsExactly(0f, 0f);
        assertThat(new String(a.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"k\":1}");
        GetPointResponse b = get("docs", ShardFixtures.SHARD, "b");
        assertThat(b.vector()).containsExactly(1f, 0f);
        assertThat(b.payload()).isNull();
    }

    @Test
    void aMissingPointIsNotFoundAndOtherShardsSayWhy() {
        GetPointResponse none = get("docs", ShardFixtures.SHARD, "zz");
        assertThat(none.status()).isEqualTo(Status.OK);
        assertThat(none.found()).isFalse();
        assertThat(get("nope", ShardFixtures.SHARD, "a").status())
                .isEqualTo(Status.UNKNOWN_COLLECTION);
        GetPointResponse elsewhere = get("docs", 9, "a");
        assertThat(elsewhere.status()).isEqualTo(Status.NOT_HERE);
        assertThat(elsewhere.message()).isEqualTo("shard 9 is not on this server");
        registry.get(ShardFixtures.SHARD).setReady(false);
        assertThat(get("docs", ShardFixtures.SHARD, "a").status()).isEqualTo(Status.RECOVERING);
    }

    @Test
    void countsExactlyWithAndWithoutAFilter() {
        assertThat(count("docs", "").shards())
                .containsExactly(new CountResponse.Count(ShardFixtures.SHARD, Status.OK, "", 3));
        assertThat(
                        count("docs", "{\"must\":[{\"key\":\"k\",\"match\":{\"value\":1}}]}")
                                .shards()
                                .get(0)
                                .count())
                .isEqualTo(1);
        assertThat(
                        count("docs", "{\"must_not\":[{\"key\":\"k\",\"match\":{\"value\":1}}]}")
                                .shards()
                                .get(0)
                                .count())
                .isEqualTo(2);
        CountResponse.Count unknown = count("nope", "").shards().get(0);
        assertThat(unknown.status()).isEqualTo(Status.UNKNOWN_COLLECTION);
        assertThat(unknown.count()).isZero();
    }

    @Test
    void aCountWithAnInvalidFilterIsAnErrorNamingIt() {
        CountResponse.Count c = count("docs", "{\"must\":[{\"key\":\"k\"}]}").shards().get(0);
        assertThat(c.status()).isEqualTo(Status.ERROR);
        assertThat(c.message()).startsWith("invalid filter: filter.must[0]: a condition on 'k'");
    }

    @Test
    void answersVectorsAsWrittenWhenAsked() {
        SearchResponse response =
                (SearchResponse)
                        roundTrip(
                                new SearchRequest(
                                        8,
                                        "docs",
                                        new int[] {ShardFixtures.SHARD},
                                        2,
                                        0,
                                        false,
                                        true,
                                        new float[] {0.9f, 0},
                                        1000,
                                        null,
                                        null,
                                        null));
        ShardResult r = response.shards().get(0);
        assertThat(r.ids()).containsExactly("b", "a");
        assertThat(r.vectors()[0]).containsExactly(1f, 0f);
        assertThat(r.vectors()[1]).containsExactly(0f, 0f);
        assertThat(r.payloads()[1]).isNull();
    }

    @Test
    void answersABatchOfSearchesInOneFrameInTheOrderAsked() {
        SearchRequest first = request(new int[] {ShardFixtures.SHARD}, "docs", 1);
        SearchRequest second = request(new int[] {ShardFixtures.SHARD, 5}, "docs", 2);
        SearchRequest third = request(new int[] {ShardFixtures.SHARD}, "nope", 2);
        ByteBuf body = Unpooled.buffer();
        RpcCodec.writeBatch(new SearchBatchRequest(21, List.of(first, second, third)), body);
        channel.writeInbound(framed(body));
        SearchBatchResponse batch = (SearchBatchResponse) readFrame();
        assertThat(batch.requestId()).isEqualTo(21);
        assertThat(batch.responses()).hasSize(3);
        assertThat(batch.responses().get(0).shards().get(0).ids()).containsExactly("a");
        assertThat(batch.responses().get(1).shards())
                .extracting(ShardResult::status)
                .containsExactly(Status.OK, Status.NOT_HERE);
        assertThat(batch.responses().get(1).shards().get(0).ids()).containsExactly("a", "b");
        assertThat(batch.responses().get(2).shards().get(0).status())
                .isEqualTo(Status.UNKNOWN_COLLECTION);
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @Test
    void answersTermStatisticsPerShardInTheOrderOfTheTerms() {
        LiveCollection docs = bm25Docs();
        docs.upsert("t1", new float[] {2, 2}, text("the red fox"));
        docs.upsert("t2", new float[] {3, 3}, text("a red red hen"));
        TermStatsResponse r =
                termStats(
                        "docs",
                        new int[] {ShardFixtures.SHARD, 9},
                        "text",
                        List.of("fox", "red", "owl"));
        assertThat(r.requestId()).isEqualTo(4);
        TermStatsResponse.Stats here = r.shards().get(0);
        assertThat(here.status()).isEqualTo(Status.OK);
        assertThat(here.docs()).isEqualTo(2);
        assertThat(here.totalTerms()).isEqualTo(7);
        assertThat(here.docFreqs()).containsExactly(1, 2, 0);
        assertThat(r.shards().get(1).status()).isEqualTo(Status.NOT_HERE);
        assertThat(r.shards().get(1).docFreqs()).isEmpty();
    }

    @Test
    void termStatisticsOfAnotherFieldOrCollectionAreRefusedPerShard() {
        bm25Docs();
        TermStatsResponse.Stats other =
                termStats("docs", new int[] {ShardFixtures.SHARD}, "body", List.of("fox"))
                        .shards()
                        .get(0);
        assertThat(other.status()).isEqualTo(Status.ERROR);
        assertThat(other.message()).contains("keeps term statistics of field 'text', not 'body'");
        assertThat(
                        termStats("nope", new int[] {ShardFixtures.SHARD}, "text", List.of("fox"))
                                .shards()
                                .get(0)
                                .status())
                .isEqualTo(Status.UNKNOWN_COLLECTION);
    }

    @Test
    void aCollectionWhosePolicyIsNotBm25AnswersEveryTermUnknown() {
        LiveCollection docs = registry.get(ShardFixtures.SHARD).collection("docs");
        docs.upsert("t1", new float[] {2, 2}, text("the red fox"));
        TermStatsResponse.Stats none =
                termStats("docs", new int[] {ShardFixtures.SHARD}, "text", List.of("fox", "owl"))
                        .shards()
                        .get(0);
        assertThat(none.status()).isEqualTo(Status.OK);
        assertThat(none.docFreqs())
                .containsExactly(TermStatsResponse.UNKNOWN, TermStatsResponse.UNKNOWN);
        assertThat(none.message()).contains("keeps no term statistics");

        bm25Docs();
        TermStatsResponse.Stats counted =
                termStats("docs", new int[] {ShardFixtures.SHARD}, "text", List.of("fox", "owl"))
                        .shards()
                        .get(0);
        assertThat(counted.docFreqs())
                .as("counted from the points already held")
                .containsExactly(1, 0);
        assertThat(counted.docs()).isEqualTo(1);
    }

    /** The fixture's "docs", its spec turned to a bm25 policy on the default text field. */
    private LiveCollection bm25Docs() {
        LiveCollection docs = registry.get(ShardFixtures.SHARD).collection("docs");
        docs.setSpec(
                "{\"dimension\": 2, \"metric\": \"l2\", \"rerank_policy\": {\"method\": \"bm25\"}}"
                        .getBytes(StandardCharsets.UTF_8),
                64);
        return docs;
    }

    private static byte[] text(String text) {
        return ("{\"text\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private TermStatsResponse termStats(
            String collection, int[] shards, String field, List<String> terms) {
        ByteBuf body = Unpooled.buffer();
        RpcCodec.writeTermStats(new TermStatsRequest(4, collection, shards, field, terms), body);
        channel.writeInbound(framed(body));
        return (TermStatsResponse) readFrame();
    }

    private GetPointResponse get(String collection, int shard, String id) {
        ByteBuf body = Unpooled.buffer();
        RpcCodec.writeGet(new GetPointRequest(5, collection, shard, id), body);
        channel.writeInbound(framed(body));
        return (GetPointResponse) readFrame();
    }

    private CountResponse count(String collection, String filter) {
        ByteBuf body = Unpooled.buffer();
        RpcCodec.writeCount(
                new CountRequest(
                        6,
                        collection,
                        new int[] {ShardFixtures.SHARD},
                        filter.getBytes(StandardCharsets.UTF_8)),
                body);
        channel.writeInbound(framed(body));
        CountResponse r = (CountResponse) readFrame();
        assertThat(r.requestId()).isEqualTo(6);
        return r;
    }

    private static SearchRequest request(int[] shards, String collection, int k) {
        return SearchRequest.simple(1, collection, shards, k, 0, false, new float[] {0, 0}, 1000);
    }

    private Object roundTrip(SearchRequest request) {
        ByteBuf body = Unpooled.buffer();
        RpcCodec.writeRequest(request, body);
        channel.writeInbound(framed(body));
        return readFrame();
    }

    private static ByteBuf framed(ByteBuf body) {
        ByteBuf frame = Unpooled.buffer();
        frame.writeInt(body.readableBytes());
        frame.writeBytes(body);
        body.release();
        return frame;
    }

    /** Reads every outbound buffer as one frame. */
    private Object readFrame() {
        ByteBuf all = Unpooled.buffer();
        ByteBuf part;
        while ((part = channel.readOutbound()) != null) {
            all.writeBytes(part);
            part.release();
        }
        int length = all.readInt();
        assertThat(all.readableBytes()).isEqualTo(length);
        try {
            return RpcCodec.read(all);
        } finally {
            all.release();
        }
    }
}
