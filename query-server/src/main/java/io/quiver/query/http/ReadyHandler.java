package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quiver.query.internal.Json;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /readyz}: 200 when the catalog is loaded and every shard is located and ready, else
 * 503; the body says which shards are not, e.g. {@code
 * {"status":"not_ready","result":{"catalog_loaded":true,
 * "shards":32,"ready":30,"not_ready":[{"shard":4,"state":"recovering"},...]}}}.
 */
final class ReadyHandler implements RouteHandler {

    private final QueryServices services;

    ReadyHandler(QueryServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        boolean catalogLoaded = services.catalog().isLoaded();
        ShardSummary shards = ShardSummary.of(services.directory());
        boolean allReady = catalogLoaded && shards.notReady().isEmpty();
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", allReady ? "ok" : "not_ready");
        ObjectNode result = body.putObject("result");
        result.put("catalog_loaded", catalogLoaded);
        result.put("shards", shards.total());
        result.put("ready", shards.ready());
        result.set("not_ready", shards.notReady());
        return CompletableFuture.completedFuture(
                HttpAnswer.json(
                        allReady ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        body));
    }
}
