package io.quiver.query.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code GET /metrics}: every metric in the Prometheus text format (see {@code QueryMetrics}). */
final class MetricsHandler implements RouteHandler {

    /** The Prometheus text exposition format. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final QueryServices services;

    MetricsHandler(QueryServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        byte[] text = services.metrics().scrape().getBytes(StandardCharsets.UTF_8);
        return CompletableFuture.completedFuture(
                new HttpAnswer(HttpResponseStatus.OK, text, Map.of("content-type", CONTENT_TYPE)));
    }
}
