package io.quiver.query.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;

/**
 * One routed request as an endpoint sees it. {@code body} is only valid while {@link
 * RouteHandler#handle} runs: endpoints parse it synchronously and never keep it.
 *
 * @param collection the {@code {name}} path segment, already validated, or null
 * @param startNanos when the request arrived, for {@code time_ms} and deadlines
 */
public record HttpCall(
        HttpMethod method, String path, String collection, ByteBuf body, long startNanos) {

    public String requestLine() {
        return method + " " + path;
    }
}
