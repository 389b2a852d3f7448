package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RequestReadTimeoutTest {

    private final HttpFixture f = new HttpFixture();

    private EmbeddedChannel server() {
        EmbeddedChannel server = new EmbeddedChannel();
        // Only advanceTimeBy moves the clock, so a slow machine cannot make the limit pass early.
        server.freezeTime();
        HttpServerInitializer.configure(server.pipeline(), new HttpRoutes(f.services), 1 << 16);
        return server;
    }

    @Test
    void aBodyThatNeverArrivesIsAnswered408AndTheConnectionClosed() {
        EmbeddedChannel server = server();
        server.writeInbound(
                Unpooled.copiedBuffer(
                        "POST /collections/docs/points/search HTTP/1.1\r\nContent-Length: 100\r\n"
                                + "\r\n{\"vec",
                        StandardCharsets.US_ASCII));
        assertThat(server.isOpen()).as("open after the partial request").isTrue();
        server.advanceTimeBy(RequestReadTimeout.DEFAULT_TIMEOUT_MS - 1, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        assertThat(server.isOpen()).as("open just before the limit").isTrue();
        assertThat((Object) server.readOutbound()).isNull();

        server.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        FullHttpResponse response = readResponse(server);
        assertThat(response.status().code()).isEqualTo(408);
        assertThat(response.content().toString(StandardCharsets.UTF_8))
                .contains("\"code\":\"request_timeout\"");
        response.release();
        assertThat(server.isOpen()).isFalse();
    }

    @Test
    void anIdleKeepAliveConnectionBetweenRequestsStaysOpen() {
        EmbeddedChannel server = server();
        server.writeInbound(
                Unpooled.copiedBuffer("GET /healthz HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));
        server.runPendingTasks();
        FullHttpResponse response = readResponse(server);
        assertThat(response.status().code()).isEqualTo(200);
        response.release();

        server.advanceTimeBy(RequestReadTimeout.DEFAULT_TIMEOUT_MS * 2, TimeUnit.MILLISECONDS);
        server.runScheduledPendingTasks();
        assertThat(server.isOpen()).isTrue();
        assertThat((Object) server.readOutbound()).isNull();
    }

    private static FullHttpResponse readResponse(EmbeddedChannel server) {
        EmbeddedChannel client =
                new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
        ByteBuf out;
        while ((out = server.readOutbound()) != null) {
            client.writeInbound(out);
        }
        return client.readInbound();
    }
}
