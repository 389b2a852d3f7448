package io.quiver.query.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import java.util.List;
import java.util.Map;

/**
 * One routed request as an endpoint sees it. {@code body} is only valid while {@link
 * RouteHandler#handle} runs: endpoints parse it synchronously and never keep it.
 *
 * @param collection the {@code {name}} path segment, already validated, or null
 * @param startNanos when the request arrived, for {@code time_ms} and deadlines
 * @param params the query string's parameters
 * @param pointId the {@code {id}} path segment, percent-decoded, or null
 */
public record HttpCall(
        HttpMethod method,
        String path,
        String collection,
        ByteBuf body,
        long startNanos,
        Map<String, List<String>> params,
        String pointId) {

    public HttpCall(
            HttpMethod method, String path, String collection, ByteBuf body, long startNanos) {
        this(method, path, collection, body, startNanos, Map.of(), null);
    }

    public HttpCall(
            HttpMethod method,
            String path,
            String collection,
            ByteBuf body,
            long startNanos,
            Map<String, List<String>> params) {
        this(method, path, collection, body, startNanos, params, null);
    }

    /**
     * A boolean query parameter: absent is false, {@code ?name}, {@code ?name=true} are true,
     * {@code ?name=false} is false.
     *
     * @throws BadRequestException for any other value
     */
    public boolean flag(String name) {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty()) {
            return false;
        }
        String v = values.get(values.size() - 1);
        if (v.isEmpty() || v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw new BadRequestException(
                "invalid_parameter",
                "query parameter '" + name + "' must be true or false, got '" + v + "'");
    }

    /** Milliseconds left of {@code timeoutMs} counted from the request's arrival, at least 1. */
    public int millisLeft(int timeoutMs) {
        long spent = (System.nanoTime() - startNanos) / 1_000_000;
        return (int) Math.max(1, timeoutMs - spent);
    }

    /** Milliseconds since the request arrived, to the microsecond, for {@code time_ms}. */
    public double millisSinceStart() {
        return Math.round((System.nanoTime() - startNanos) / 1_000.0) / 1_000.0;
    }

    public String requestLine() {
        return method + " " + path;
    }
}
