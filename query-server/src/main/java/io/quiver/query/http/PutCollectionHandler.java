package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import io.quiver.query.write.TopicWriter;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code PUT /collections/{name}} with a spec ({@code {"dimension":768,"metric":"cosine"}} or
 * Qdrant's {@code {"vectors":{"size":768,"distance":"Cosine"}}}).
 *
 * <p>Writes the spec to the collections topic and answers once this server's catalog has read it
 * back, so a following GET here finds it: {@code {"status":"ok","result":{spec}}}. Creating a
 * collection that exists with the same definition is a no-op (200); with a different one it is
 * refused (409), since changing dimension or metric under existing points would corrupt them.
 */
final class PutCollectionHandler implements RouteHandler {

    private final QueryServices services;

    PutCollectionHandler(QueryServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        String name = call.collection();
        ObjectNode body = JsonBodies.object(call.body(), "collection spec");
        CollectionSpec spec;
        try {
            spec = CollectionSpecs.fromJson(name, body);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("invalid_spec", e.getMessage());
        }
        if (!services.catalog().isLoaded()) {
            throw Collections.catalogLoading();
        }
        Optional<CollectionSpec> existing = services.catalog().get(name);
        if (existing.isPresent()) {
            if (sameDefinition(existing.get(), spec)) {
                return CompletableFuture.completedFuture(answer(existing.get()));
            }
            throw new ConflictException(
                    "collection_exists",
                    "collection '"
                            + name
                            + "' already exists with a different spec: "
                            + withoutTimestamp(existing.get()));
        }
        spec.setCreatedAtMs(System.currentTimeMillis());
        TopicWriter.Entry entry =
                new TopicWriter.Entry(
                        name.getBytes(StandardCharsets.UTF_8), CollectionSpecs.encode(spec));
        return Collections.writeAndAwait(
                        services, call.startNanos(), entry, "collection '" + name + "'")
                .thenApply(ignored -> answer(spec));
    }

    private static HttpAnswer answer(CollectionSpec spec) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "ok");
        body.set("result", CollectionSpecs.toJson(spec));
        return HttpAnswer.ok(body);
    }

    private static boolean sameDefinition(CollectionSpec a, CollectionSpec b) {
        return withoutTimestamp(a).equals(withoutTimestamp(b));
    }

    private static ObjectNode withoutTimestamp(CollectionSpec spec) {
        ObjectNode json = CollectionSpecs.toJson(spec);
        json.remove("created_at_ms");
        return json;
    }
}
