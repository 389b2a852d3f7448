package io.quiver.shard;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.quiver.schemas.net.NettyTransport;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shard RPC server of one TaskManager JVM: answers searches on the shards that index operators
 * in this JVM have put into its {@link ShardRegistry}.
 *
 * <p>One instance per JVM (per class loader, strictly: Flink loads a job's classes once per
 * TaskManager), started by the first operator that calls {@link #acquire} and stopped when the last
 * one calls {@link #release}, so a job that leaves the TaskManager leaves no threads behind. The
 * port is fixed by {@code quiver.shard-server.port} (0 = any free port, announced through each
 * shard's status) and the bind host is {@code quiver.shard-server.host}, else {@code
 * taskmanager.host}, else 127.0.0.1.
 *
 * <p>Threads: Netty event loops (one per core, at least two; each connection stays on one) that
 * frame, parse and encode, and answer a read's first small single-shard search themselves ({@link
 * ShardSearcher#runsInline}: a bounded index search with nothing to wait for), since handing one to
 * another thread and its answer back costs about as much as the search (every small search of the
 * read when the loop's thread may run on one CPU only); a search pool of the same size that runs
 * every other search, a request for several shards split over all of its threads, and the point
 * lookups, counts and term statistics; one timer for requests waiting on offsets. The transport is
 * {@link NettyTransport#preferred()}: epoll on Linux, else NIO.
 */
public final class ShardServer {

    private static final Logger LOG = LoggerFactory.getLogger(ShardServer.class);

    private static ShardServer instance;
    private static int references;

    private final ShardRegistry registry = new ShardRegistry();
    private final EventLoopGroup group;
    private final ExecutorService searchPool;
    private final ScheduledExecutorService timer;
    private final Channel channel;
    private final String host;
    private final int port;

    private ShardServer(String host, int port) throws InterruptedException {
        int searchThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        NettyTransport transport = NettyTransport.preferred();
        // As many loops as search threads: small searches run on the loops.
        this.group =
                transport.group(searchThreads, new DefaultThreadFactory("quiver-shard-io", true));
        this.searchPool =
                Executors.newFixedThreadPool(
                        searchThreads, new DefaultThreadFactory("quiver-shard-search", true));
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        new DefaultThreadFactory("quiver-shard-wait", true));
        ShardSearcher searcher = new ShardSearcher(registry, searchPool, timer, searchThreads);
        try {
            this.channel =
                    new ServerBootstrap()
                            .group(group)
                            .channel(transport.serverChannel())
                            .childOption(ChannelOption.TCP_NODELAY, true)
                            .childHandler(new ShardServerInitializer(searcher))
                            .bind(host, port)
                            .sync()
                            .channel();
        } catch (InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            shutdownExecutors();
            throw e;
        } catch (Exception e) {
            // bind failures surface here as undeclared checked exceptions (BindException).
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            shutdownExecutors();
            throw new IllegalStateException(
                    "cannot start the shard server on " + host + ":" + port + ": " + e, e);
        }
        this.host = host;
        this.port = ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /**
     * The JVM's server, started on first use with {@code host} and {@code port}; later callers get
     * the running server whatever they pass. Pair every call with {@link #release()}.
     */
    public static synchronized ShardServer acquire(String host, int port) {
        if (instance == null) {
            try {
                instance = new ShardServer(host, port);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the shard server", e);
            }
            LOG.info("shard server listening on {}:{}", instance.host, instance.port);
        }
        references++;
        return instance;
    }

    /** Drops one reference; the last one stops the server. */
    public static synchronized void release() {
        if (references == 0) {
            throw new IllegalStateException("shard server released more often than acquired");
        }
        if (--references == 0) {
            ShardServer s = instance;
            instance = null;
            s.stop();
        }
    }

    public ShardRegistry registry() {
        return registry;
    }

    /** The host searchers should connect to. */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    private void stop() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        shutdownExecutors();
        LOG.info("shard server on {}:{} stopped", host, port);
    }

    private void shutdownExecutors() {
        timer.shutdownNow();
        searchPool.shutdownNow();
    }
}
