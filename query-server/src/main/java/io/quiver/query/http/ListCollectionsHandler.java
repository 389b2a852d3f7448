package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /collections}: {@code {"status":"ok","result":{"collections":[{spec}, ...]}}}, by
 * name; each entry has {@code name} first, as Qdrant's list has.
 */
final class ListCollectionsHandler implements RouteHandler {

    private final QueryServices services;

    ListCollectionsHandler(QueryServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        if (!services.catalog().isLoaded()) {
            throw Collections.catalogLoading();
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "ok");
        ArrayNode list = body.putObject("result").putArray("collections");
        for (CollectionSpec spec : services.catalog().list()) {
            list.add(CollectionSpecs.toJson(spec));
        }
        return CompletableFuture.completedFuture(HttpAnswer.ok(body));
    }
}
