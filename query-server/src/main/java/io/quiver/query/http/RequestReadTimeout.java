package io.quiver.query.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Answers 408 {@code request_timeout} and closes the connection when a request has begun but has
 * not fully arrived within the limit. Without it a client that sends headers and then trickles or
 * withholds the body (slow loris) holds a connection and its aggregation buffer for as long as it
 * likes. Idle keep-alive connections between requests are not affected.
 */
final class RequestReadTimeout extends ChannelDuplexHandler {

    /** How long one request (headers and body) may take to arrive. */
    static final long DEFAULT_TIMEOUT_MS = 30_000;

    private final long timeoutMs;
    private ScheduledFuture<?> pending;

    RequestReadTimeout(long timeoutMs) {
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest && pending == null) {
            pending = ctx.executor().schedule(() -> expire(ctx), timeoutMs, TimeUnit.MILLISECONDS);
        }
        if (msg instanceof LastHttpContent) {
            cancel();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        pending = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        HttpAnswer answer =
                ErrorResponses.json(
                        HttpResponseStatus.REQUEST_TIMEOUT,
                        "request_timeout",
                        "the request did not arrive completely within " + timeoutMs + " ms");
        FullHttpResponse response =
                new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        answer.status(),
                        Unpooled.wrappedBuffer(answer.body()));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.body().length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        // Written from the codec's position, so the response bypasses handlers that wait for
        // the request's end; the connection closes right after.
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
