package io.quiver.query.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each aggregated request to its endpoint through {@link HttpRoutes} and writes the answer
 * when the endpoint's future completes, on the channel's event loop. One per connection.
 *
 * <p>Endpoints finish in any order, but HTTP/1.1 pipelining needs answers in request order, so
 * answers are numbered and held back until those before them are written.
 */
public final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(HttpRouter.class);

    private static final Set<String> KNOWN_METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    private final HttpRoutes routes;
    private final RequestGuard guard;

    // Event-loop confined.
    private long nextSequence;
    private long nextToWrite;
    private final Map<Long, Runnable> heldBack = new HashMap<>();

    // The last request's metrics label: a client searching one collection sends the same request
    // line every time, and matching it against the routes again cost about a microsecond.
    private HttpMethod labelledMethod;
    private String labelledUri;
    private String label;

    public HttpRouter(HttpRoutes routes) {
        this(routes, RequestGuard.OPEN);
    }

    /**
     * @param guard runs before routing; what it throws is answered like an endpoint's error
     */
    public HttpRouter(HttpRoutes routes, RequestGuard guard) {
        this.routes = routes;
        this.guard = guard;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        long start = System.nanoTime();
        long sequence = nextSequence++;
        HttpVersion version = request.protocolVersion();
        String requestLine = request.method() + " " + request.uri();
        // Read now: the request is released once this method returns.
        String uri = request.uri();
        HttpMethod httpMethod = request.method();
        // Only the usual methods as labels, so odd requests cannot grow the metrics without bound.
        String method = KNOWN_METHODS.contains(httpMethod.name()) ? httpMethod.name() : "OTHER";
        boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        String endpoint = endpointOf(httpMethod, uri);
        CompletableFuture<HttpAnswer> answer;
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            answer =
                    CompletableFuture.failedFuture(
                            new BadRequestException(
                                    "malformed_request",
                                    "cannot read the HTTP request: " + cause.getMessage()));
        } else {
            try {
                guard.check(httpMethod, uri, request.headers());
                answer = routes.dispatch(request.method(), request.uri(), request.content(), start);
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
        }
        answer.handle(
                        (a, failure) ->
                                failure == null && a != null
                                        ? a
                                        : ErrorResponses.toAnswer(
                                                failure == null
                                                        ? new IllegalStateException("no answer")
                                                        : failure,
                                                requestLine))
                .thenAccept(
                        a -> {
                            routes.metrics()
                                    .request(
                                            endpoint,
                                            method,
                                            a.status().code(),
                                            System.nanoTime() - start);
                            if (ctx.executor().inEventLoop()) {
                                complete(ctx, sequence, a, version, keepAlive);
                            } else {
                                ctx.executor()
                                        .execute(
                                                () ->
                                                        complete(
                                                                ctx, sequence, a, version,
                                                                keepAlive));
                            }
                        });
    }

    private String endpointOf(HttpMethod method, String uri) {
        if (!method.equals(labelledMethod) || !uri.equals(labelledUri)) {
            label = routes.endpointOf(method, uri);
            labelledMethod = method;
            labelledUri = uri;
        }
        return label;
    }

    private void complete(
            ChannelHandlerContext ctx,
            long sequence,
            HttpAnswer answer,
            HttpVersion version,
            boolean keepAlive) {
        heldBack.put(sequence, () -> write(ctx, answer, version, keepAlive));
        Runnable next;
        while ((next = heldBack.remove(nextToWrite)) != null) {
            nextToWrite++;
            next.run();
        }
    }

    private static void write(
            ChannelHandlerContext ctx, HttpAnswer answer, HttpVersion version, boolean keepAlive) {
        if (!ctx.channel().isActive()) {
            return;
        }
        FullHttpResponse response =
                new DefaultFullHttpResponse(
                        version, answer.status(), Unpooled.wrappedBuffer(answer.body()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length);
        answer.headers().forEach((k, v) -> response.headers().set(k, v));
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            if (version.equals(HttpVersion.HTTP_1_0)) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(response);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Mostly clients that went away; nothing to answer.
        LOG.debug("HTTP connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
