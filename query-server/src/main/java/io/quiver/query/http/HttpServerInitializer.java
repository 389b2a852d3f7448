package io.quiver.query.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

/**
 * The pipeline of one HTTP connection: TLS when configured, the codec, a read timeout per request
 * (408 JSON when a request has not fully arrived within 30 s), then the aggregator with the body
 * limit (413 JSON beyond it), then the router that checks access and runs the endpoints.
 */
public final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {

    private final HttpRoutes routes;
    private final int maxBodyBytes;
    private final ChannelGroup connections;
    private final RequestGuard guard;
    private final SslContext tls;

    /**
     * @param connections every accepted connection is added here, so shutdown can close them all
     */
    public HttpServerInitializer(HttpRoutes routes, int maxBodyBytes, ChannelGroup connections) {
        this(routes, maxBodyBytes, connections, RequestGuard.OPEN, null);
    }

    /**
     * @param guard checks every request before it is routed
     * @param tls the server's TLS context, or null for plain HTTP
     */
    public HttpServerInitializer(
            HttpRoutes routes,
            int maxBodyBytes,
            ChannelGroup connections,
            RequestGuard guard,
            SslContext tls) {
        this.routes = routes;
        this.maxBodyBytes = maxBodyBytes;
        this.connections = connections;
        this.guard = guard;
        this.tls = tls;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        connections.add(ch);
        if (tls != null) {
            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
        }
        configure(ch.pipeline(), routes, maxBodyBytes, guard);
    }

    /** Adds the HTTP handlers to {@code pipeline}; tests use it on an {@code EmbeddedChannel}. */
    public static void configure(ChannelPipeline pipeline, HttpRoutes routes, int maxBodyBytes) {
        configure(pipeline, routes, maxBodyBytes, RequestGuard.OPEN);
    }

    /** As above, with {@code guard} checking every request before it is routed. */
    public static void configure(
            ChannelPipeline pipeline, HttpRoutes routes, int maxBodyBytes, RequestGuard guard) {
        pipeline.addLast("http-codec", new HttpServerCodec());
        pipeline.addLast(
                "read-timeout", new RequestReadTimeout(RequestReadTimeout.DEFAULT_TIMEOUT_MS));
        pipeline.addLast("aggregator", new JsonBodyAggregator(maxBodyBytes));
        pipeline.addLast("router", new HttpRouter(routes, guard));
    }
}
