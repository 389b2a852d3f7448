package io.quiver.query.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * The pipeline of one HTTP connection: codec, then the aggregator with the body limit (413 JSON
 * beyond it), then the router that runs the endpoints.
 */
public final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {

    private final HttpRoutes routes;
    private final int maxBodyBytes;
    private final ChannelGroup connections;

    /**
     * @param connections every accepted connection is added here, so shutdown can close them all
     */
    public HttpServerInitializer(HttpRoutes routes, int maxBodyBytes, ChannelGroup connections) {
        this.routes = routes;
        this.maxBodyBytes = maxBodyBytes;
        this.connections = connections;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        connections.add(ch);
        configure(ch.pipeline(), routes, maxBodyBytes);
    }

    /** Adds the HTTP handlers to {@code pipeline}; tests use it on an {@code EmbeddedChannel}. */
    public static void configure(ChannelPipeline pipeline, HttpRoutes routes, int maxBodyBytes) {
        pipeline.addLast("http-codec", new HttpServerCodec());
        pipeline.addLast("aggregator", new JsonBodyAggregator(maxBodyBytes));
        pipeline.addLast("router", new HttpRouter(routes));
    }
}
