package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import java.util.concurrent.CompletableFuture;

/** {@code GET /collections/{name}}: {@code {"status":"ok","result":{spec}}}, 404 if unknown. */
final class GetCollectionHandler implements RouteHandler {

    private final QueryServices services;

    GetCollectionHandler(QueryServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        CollectionSpec spec = Collections.require(services.catalog(), call.collection());
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "ok");
        body.set("result", CollectionSpecs.toJson(spec));
        return CompletableFuture.completedFuture(HttpAnswer.ok(body));
    }
}
