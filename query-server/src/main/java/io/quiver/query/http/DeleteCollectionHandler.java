package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import io.quiver.query.write.TopicWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * {@code DELETE /collections/{name}}: writes a tombstone (the name with a null value) to the
 * compacted collections topic and answers {@code {"status":"ok","result":true}} once this server's
 * catalog has read it, so a following request here no longer finds the collection (404).
 *
 * <p>The index operators drop the collection's records and index when they read the tombstone, a
 * moment later; points of the collection still on the upserts topic then go to the dead-letter
 * topic as {@code UNKNOWN_COLLECTION}. Creating the collection again starts empty. Unknown
 * collections are 404.
 */
final class DeleteCollectionHandler implements RouteHandler {

    private final QueryServices services;

    DeleteCollectionHandler(QueryServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        String name = call.collection();
        Collections.require(services.catalog(), name);
        TopicWriter.Entry tombstone =
                new TopicWriter.Entry(name.getBytes(StandardCharsets.UTF_8), null);
        return Collections.writeAndAwait(
                        services, call.startNanos(), tombstone, "the deletion of '" + name + "'")
                .thenApply(ignored -> answer());
    }

    private static HttpAnswer answer() {
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "ok");
        body.put("result", true);
        return HttpAnswer.ok(body);
    }
}
