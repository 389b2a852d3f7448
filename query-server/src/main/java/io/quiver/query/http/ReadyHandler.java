package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quiver.query.internal.Json;
import io.quiver.query.routing.ShardInfo;
import io.quiver.query.routing.ShardState;
import java.util.Locale;
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
        int ready = 0;
        ArrayNode notReady = Json.MAPPER.createArrayNode();
        for (ShardInfo s : services.directory().shards()) {
            if (s.searchable()) {
                ready++;
            } else {
                ShardState state = s.state() == ShardState.READY ? ShardState.UNKNOWN : s.state();
                notReady.addObject()
                        .put("shard", s.shard())
                        .put("state", state.name().toLowerCase(Locale.ROOT));
            }
        }
        boolean allReady = catalogLoaded && notReady.isEmpty();
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", allReady ? "ok" : "not_ready");
        ObjectNode result = body.putObject("result");
        result.put("catalog_loaded", catalogLoaded);
        result.put("shards", services.directory().numShards());
        result.put("ready", ready);
        result.set("not_ready", notReady);
        return CompletableFuture.completedFuture(
                HttpAnswer.json(
                        allReady ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        body));
    }
}
