package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import java.util.concurrent.CompletableFuture;

/** {@code GET /healthz}: 200 as long as the HTTP server runs (liveness). */
final class HealthHandler implements RouteHandler {

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "ok");
        return CompletableFuture.completedFuture(HttpAnswer.ok(body));
    }
}
