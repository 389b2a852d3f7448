package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import io.quiver.query.search.PointLookup;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.record.InvalidRecordException;
import io.quiver.schemas.record.RecordValidator;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /collections/{name}/points/{id}}: {@code
 * {"status":"ok","time_ms":..,"result":{"id":"a1","vector":[..],"payload":{..}}}} with the vector
 * as written and the payload (null for none); 404 {@code point_not_found} when the shard that would
 * hold the point does not, 503 {@code shard_unavailable} when that shard does not answer in the
 * request timeout. The id is the percent-decoded path segment.
 */
final class GetPointHandler implements RouteHandler {

    private final QueryServices services;

    GetPointHandler(QueryServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        CollectionSpec spec = Collections.require(services.catalog(), call.collection());
        String id = call.pointId();
        try {
            RecordValidator.checkId(id);
        } catch (InvalidRecordException e) {
            throw RecordErrors.of(e, "point id");
        }
        int timeoutMs = services.settings().requestTimeoutMs();
        return services.points()
                .get(spec.getName(), id, timeoutMs)
                .thenApply(lookup -> answer(call, id, lookup, timeoutMs));
    }

    private static HttpAnswer answer(HttpCall call, String id, PointLookup lookup, int timeoutMs) {
        if (!lookup.answered()) {
            throw new UnavailableException(
                    "shard_unavailable",
                    "shard "
                            + lookup.shard()
                            + ", which holds point '"
                            + id
                            + "', did not answer within "
                            + timeoutMs
                            + " ms");
        }
        if (!lookup.found()) {
            throw new NotFoundException(
                    "point_not_found",
                    "no point '" + id + "' in collection '" + call.collection() + "'");
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "ok");
        body.put("time_ms", call.millisSinceStart());
        ObjectNode result = body.putObject("result").put("id", id);
        ArrayNode vector = result.putArray("vector");
        for (float f : lookup.vector()) {
            vector.add(f);
        }
        result.set("payload", Payloads.toJson(lookup.payload()));
        return HttpAnswer.ok(body);
    }
}
