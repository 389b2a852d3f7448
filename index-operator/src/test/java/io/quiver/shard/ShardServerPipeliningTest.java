package io.quiver.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.quiver.schemas.net.NettyTransport;
import io.quiver.schemas.rpc.CountRequest;
import io.quiver.schemas.rpc.CountResponse;
import io.quiver.schemas.rpc.GetPointRequest;
import io.quiver.schemas.rpc.GetPointResponse;
import io.quiver.schemas.rpc.RpcCodec;
import io.quiver.schemas.rpc.SearchBatchRequest;
import io.quiver.schemas.rpc.SearchBatchResponse;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult.Status;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shard RPC pipeline over real loopback TCP with a real search pool: many requests written at
 * once (so they arrive in one read), answered each under its own request id in any order; no buffer
 * the server allocates outlives its request, even when the connection is reset mid-read.
 */
class ShardServerPipeliningTest {

    /** Every buffer the server's channels allocate, to check that each one is released. */
    private final Queue<ByteBuf> allocated = new ConcurrentLinkedQueue<>();

    /** The server's side of every connection. */
    private final Queue<Channel> children = new ConcurrentLinkedQueue<>();

    private ResourceLeakDetector.Level leakLevel;
    private ShardRegistry registry;
    private ExecutorService pool;
    private ScheduledExecutorService timer;
    private ShardSearcher searcher;
    private EventLoopGroup group;
    private Channel server;

    @BeforeEach
    void setUp() throws InterruptedException {
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        registry = ShardFixtures.registry();
        pool = Executors.newFixedThreadPool(2, new DefaultThreadFactory("test-search", true));
        timer = Executors.newSingleThreadScheduledExecutor();
        searcher = new ShardSearcher(registry, pool, timer, 2);
        NettyTransport transport = NettyTransport.preferred();
        group = transport.group(1, new DefaultThreadFactory("test-shard-io", true));
        server =
                new ServerBootstrap()
                        .group(group)
                        .channel(transport.serverChannel())
                        .childOption(ChannelOption.ALLOCATOR, new TrackingAllocator(allocated))
                        .childHandler(
                                new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel ch) {
                                        children.add(ch);
                                        ShardServerInitializer.configure(ch.pipeline(), searcher);
                                    }
                                })
                        .bind("127.0.0.1", 0)
                        .sync()
                        .channel();
    }

    @AfterEach
    void tearDown() {
        server.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        pool.shutdownNow();
        timer.shutdownNow();
        ResourceLeakDetector.setLevel(leakLevel);
    }

    @Test
    void answersEveryRequestOfOneReadEachUnderItsOwnId() throws IOException {
        // Each query's nearest point is known: a=(0,0), b=(1,0), c=(5,5).
        float[][] queries = {{0, 0}, {1, 0}, {5, 5}, {0.1f, 0}, {0.9f, 0}, {4, 4}};
        String[] nearest = {"a", "b", "c", "a", "b", "c"};
        List<ByteBuf> frames = new ArrayList<>();
        for (int i = 0; i < queries.length; i++) {
            SearchRequest s = search(100 + i, queries[i]);
            frames.add(frame(out -> RpcCodec.writeRequest(s, out)));
        }
        frames.add(
                frame(
                        out ->
                                RpcCodec.writeRequest(
                                        SearchRequest.simple(
                                                200,
                                                "docs",
                                                new int[] {ShardFixtures.SHARD, 5},
                                                1,
                                                0,
                                                false,
                                                new float[] {5, 5},
                                                5_000),
                                        out)));
        frames.add(
                frame(
                        out ->
                                RpcCodec.writeGet(
                                        new GetPointRequest(201, "docs", ShardFixtures.SHARD, "b"),
                                        out)));
        frames.add(
                frame(
                        out ->
                                RpcCodec.writeCount(
                                        new CountRequest(
                                                202,
                                                "docs",
                                                new int[] {ShardFixtures.SHARD},
                                                new byte[0]),
                                        out)));
        frames.add(
                frame(
                        out ->
                                RpcCodec.writeBatch(
                                        new SearchBatchRequest(
                                                203,
                                                List.of(
                                                        search(0, queries[2]),
                                                        search(0, queries[0]))),
                                        out)));

        Map<Long, Object> answers = new HashMap<>();
        try (Socket socket = connect()) {
            writeAtOnce(socket, frames);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            for (int i = 0; i < frames.size(); i++) {
                Object answer = readFrame(in);
                long id = requestIdOf(answer);
                assertThat(answers.put(id, answer)).as("answers to request %d", id).isNull();
            }
        }

        assertThat(answers.keySet())
                .containsExactlyInAnyOrder(
                        100L, 101L, 102L, 103L, 104L, 105L, 200L, 201L, 202L, 203L);
        for (int i = 0; i < queries.length; i++) {
            SearchResponse r = (SearchResponse) answers.get(100L + i);
            assertThat(r.shards().get(0).ids())
                    .as("request %d", 100 + i)
                    .containsExactly(nearest[i]);
        }
        SearchResponse wide = (SearchResponse) answers.get(200L);
        assertThat(wide.shards().get(0).ids()).containsExactly("c");
        assertThat(wide.shards().get(1).status()).isEqualTo(Status.NOT_HERE);
        assertThat(((GetPointResponse) answers.get(201L)).vector()).containsExactly(1f, 0f);
        assertThat(((CountResponse) answers.get(202L)).shards().get(0).count()).isEqualTo(3);
        SearchBatchResponse batch = (SearchBatchResponse) answers.get(203L);
        assertThat(batch.responses().get(0).shards().get(0).ids()).containsExactly("c");
        assertThat(batch.responses().get(1).shards().get(0).ids()).containsExactly("a");
        awaitEveryBufferReleased();
    }

    @Test
    void aSearchWaitingForOffsetsDoesNotHoldBackTheOthersOfItsRead() throws IOException {
        // The fixture's shard has applied offset 41 of partition 0: this one waits for 50.
        SearchRequest waiting = waitingFor(300, new float[] {5, 5}, 50);
        List<ByteBuf> frames = new ArrayList<>();
        frames.add(frame(out -> RpcCodec.writeRequest(waiting, out)));
        for (int i = 1; i <= 3; i++) {
            SearchRequest s = search(300 + i, new float[] {0, 0});
            frames.add(frame(out -> RpcCodec.writeRequest(s, out)));
        }

        try (Socket socket = connect()) {
            writeAtOnce(socket, frames);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            List<Long> first = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                first.add(requestIdOf(readFrame(in)));
            }
            assertThat(first).containsExactlyInAnyOrder(301L, 302L, 303L);

            registry.get(ShardFixtures.SHARD).advance(0, 50);
            SearchResponse late = (SearchResponse) readFrame(in);
            assertThat(late.requestId()).isEqualTo(300);
            assertThat(late.shards().get(0).status()).isEqualTo(Status.OK);
            assertThat(late.shards().get(0).ids()).containsExactly("c");
        }
        awaitEveryBufferReleased();
    }

    @Test
    void aConnectionClosedWithRequestsInFlightLeaksNoBuffer() throws IOException {
        List<ByteBuf> frames = new ArrayList<>();
        // Answered once the connection is gone: its offsets come after the close.
        SearchRequest waiting = waitingFor(400, new float[] {0, 0}, 60);
        frames.add(frame(out -> RpcCodec.writeRequest(waiting, out)));
        for (int i = 0; i < 50; i++) {
            SearchRequest s = search(401 + i, new float[] {i % 6, 0});
            frames.add(frame(out -> RpcCodec.writeRequest(s, out)));
        }
        // Half a frame: the decoder holds it when the connection closes.
        ByteBuf partial = frame(out -> RpcCodec.writeRequest(search(499, new float[] {1, 1}), out));
        frames.add(partial.retainedSlice(0, partial.readableBytes() / 2));
        partial.release();

        try (Socket socket = connect()) {
            writeAtOnce(socket, frames);
            // A reset rather than a graceful close: the server's writes fail at once.
            socket.setSoLinger(true, 0);
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !children.isEmpty() && children.stream().noneMatch(Channel::isOpen));
        // The waiting search now answers, into a closed connection.
        registry.get(ShardFixtures.SHARD).advance(0, 60);
        awaitEveryBufferReleased();
    }

    private void awaitEveryBufferReleased() {
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () ->
                                assertThat(allocated)
                                        .as("buffers the server allocated and never released")
                                        .allSatisfy(b -> assertThat(b.refCnt()).isZero()));
    }

    /**
     * A search that waits (a minute at most) until partition 0's offset {@code offset} is applied.
     */
    private static SearchRequest waitingFor(long id, float[] vector, long offset) {
        return new SearchRequest(
                id,
                "docs",
                new int[] {ShardFixtures.SHARD},
                1,
                0,
                false,
                vector,
                60_000,
                new int[] {0},
                new long[] {offset},
                null);
    }

    private static SearchRequest search(long id, float[] vector) {
        return SearchRequest.simple(
                id, "docs", new int[] {ShardFixtures.SHARD}, 1, 0, false, vector, 5_000);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect((InetSocketAddress) server.localAddress(), 5_000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        return socket;
    }

    /** Writes every frame with one call, so the server reads them together. */
    private static void writeAtOnce(Socket socket, List<ByteBuf> frames) throws IOException {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf f : frames) {
            all.writeBytes(f);
            f.release();
        }
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        all.release();
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    private static ByteBuf frame(Consumer<ByteBuf> body) {
        ByteBuf b = Unpooled.buffer();
        body.accept(b);
        ByteBuf f = Unpooled.buffer().writeInt(b.readableBytes()).writeBytes(b);
        b.release();
        return f;
    }

    private static Object readFrame(DataInputStream in) throws IOException {
        byte[] body = new byte[in.readInt()];
        in.readFully(body);
        return RpcCodec.read(Unpooled.wrappedBuffer(body));
    }

    private static long requestIdOf(Object answer) {
        if (answer instanceof SearchResponse r) {
            return r.requestId();
        } else if (answer instanceof GetPointResponse r) {
            return r.requestId();
        } else if (answer instanceof CountResponse r) {
            return r.requestId();
        } else if (answer instanceof SearchBatchResponse r) {
            return r.requestId();
        }
        throw new AssertionError("unexpected answer " + answer);
    }

    /** Pooled direct buffers, each remembered so a test can check it was released. */
    private static final class TrackingAllocator extends AbstractByteBufAllocator {

        private final Queue<ByteBuf> allocated;

        TrackingAllocator(Queue<ByteBuf> allocated) {
            super(true);
            this.allocated = allocated;
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = PooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return true;
        }
    }
}
