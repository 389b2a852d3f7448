package io.quiver.query.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.quiver.query.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Drives the real HTTP pipeline on an {@link EmbeddedChannel}: raw request bytes in, a decoded
 * response out, no sockets.
 */
final class HttpExchange {

    /** A decoded answer. */
    record Response(int status, JsonNode json, Map<String, String> headers, boolean closed) {

        String errorCode() {
            return json.path("error").path("code").asText();
        }

        String errorMessage() {
            return json.path("error").path("message").asText();
        }
    }

    private final QueryServices services;
    private final RequestGuard guard;
    private final HttpRoutes routes;

    HttpExchange(QueryServices services) {
        this(services, RequestGuard.OPEN);
    }

    HttpExchange(QueryServices services, RequestGuard guard) {
        this.services = services;
        this.guard = guard;
        this.routes = new HttpRoutes(services);
    }

    Response send(String method, String uri, String body) {
        return sendBytes(method, uri, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    Response sendBytes(String method, String uri, byte[] body) {
        return send(method, uri, body, Map.of());
    }

    /** With extra request headers, e.g. {@code Authorization}. */
    Response send(String method, String uri, byte[] body, Map<String, String> headers) {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(uri).append(" HTTP/1.1\r\n");
        head.append("Host: localhost\r\n");
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (body != null) {
            head.append("Content-Type: application/json\r\n");
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        ByteBuf raw = Unpooled.buffer();
        raw.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
        if (body != null) {
            raw.writeBytes(body);
        }
        return exchange(raw);
    }

    Response exchange(ByteBuf raw) {
        EmbeddedChannel server = new EmbeddedChannel();
        HttpServerInitializer.configure(
                server.pipeline(), routes, services.settings().maxBodyBytes(), guard);
        server.writeInbound(raw);
        EmbeddedChannel client =
                new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 26));
        long deadline = System.nanoTime() + 5_000_000_000L;
        FullHttpResponse response = null;
        while (response == null && System.nanoTime() < deadline) {
            server.runPendingTasks();
            ByteBuf out;
            while ((out = server.readOutbound()) != null) {
                client.writeInbound(out);
            }
            response = client.readInbound();
            if (response == null) {
                sleep();
            }
        }
        if (response == null) {
            throw new AssertionError("no HTTP response within 5 s");
        }
        try {
            JsonNode json =
                    Json.MAPPER.readTree(response.content().toString(StandardCharsets.UTF_8));
            Map<String, String> headers = new LinkedHashMap<>();
            response.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
            return new Response(response.status().code(), json, headers, !server.isOpen());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            response.release();
            server.finishAndReleaseAll();
            client.finishAndReleaseAll();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
