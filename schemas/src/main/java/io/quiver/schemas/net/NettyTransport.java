package io.quiver.schemas.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty transport that Quiver's servers and shard connections use: Linux's native epoll when
 * its library loads, else Java NIO. Chosen once per JVM, with one WARN when epoll is unavailable on
 * Linux.
 *
 * <p>Why epoll: every search wakes an event loop in the query server and one in the shard server,
 * each time for a read and a write; Netty's epoll transport does that work with less CPU than NIO's
 * selector (edge-triggered epoll on the file descriptors directly, no selection keys to build and
 * clear, less garbage): about 10 µs less per HTTP search in the query server and 4 µs in the shard
 * server on the HTTP benchmark. The native library ships for linux-x86_64; elsewhere NIO serves
 * with the same behaviour.
 *
 * <p>Every group, server channel and client channel of one connection must come from the same
 * transport: create the groups with {@link #group} and take the channel classes from the same
 * constant.
 */
public enum NettyTransport {
    EPOLL,
    NIO;

    private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

    /**
     * Set {@code -Dquiver.netty.transport=nio} to force NIO (to compare, or to rule epoll out);
     * {@code epoll} (or unset) takes epoll when it is available. Any other value is reported with a
     * WARN and the default is used.
     */
    public static final String PROPERTY = "quiver.netty.transport";

    private static final NettyTransport PREFERRED = choose();

    private static NettyTransport choose() {
        String value = System.getProperty(PROPERTY, "");
        String requested;
        try {
            requested = requested(value);
        } catch (IllegalArgumentException e) {
            LOG.warn("{}; using the default", e.getMessage());
            requested = "epoll";
        }
        if (requested.equals("nio")) {
            return NIO;
        }
        if (Epoll.isAvailable()) {
            return EPOLL;
        }
        if (System.getProperty("os.name", "")
                .toLowerCase(java.util.Locale.ROOT)
                .contains("linux")) {
            LOG.warn(
                    "Netty's native epoll transport is unavailable, using NIO: {}",
                    Epoll.unavailabilityCause().toString());
        }
        return NIO;
    }

    /**
     * The transport a value of {@value #PROPERTY} asks for: {@code "epoll"} (also for an empty
     * value) or {@code "nio"}, in any case.
     *
     * @throws IllegalArgumentException for any other value, naming the ones accepted
     */
    static String requested(String value) {
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        if (v.isEmpty() || v.equals("epoll")) {
            return "epoll";
        }
        if (v.equals("nio")) {
            return "nio";
        }
        throw new IllegalArgumentException(
                "unknown value '" + value + "' of -D" + PROPERTY + " (epoll or nio)");
    }

    /** Epoll when available (and not turned off by {@value #PROPERTY}), else NIO. */
    public static NettyTransport preferred() {
        return PREFERRED;
    }

    /**
     * An event loop group of this transport.
     *
     * @param threads 0 for Netty's default (twice the cores)
     */
    public EventLoopGroup group(int threads, ThreadFactory threadFactory) {
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, ioHandlerFactory());
    }

    private IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    public Class<? extends ServerChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
