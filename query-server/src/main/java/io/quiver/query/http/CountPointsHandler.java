package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import io.quiver.query.search.CountOutcome;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.filter.Filter;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /collections/{name}/points/count}: the exact number of points, optionally only those
 * passing {@code filter} (as in search). Body {@code {"filter": {...}, "exact": true}}, both
 * optional (an empty body counts every point; {@code exact} is accepted for Qdrant clients, every
 * count is exact). Answer {@code {"status":"ok","time_ms":..,"result":{"count":42}}}. A count
 * missing some shards would be wrong, so it is 503 {@code shards_unavailable} naming them.
 */
final class CountPointsHandler implements RouteHandler {

    private static final Set<String> FIELDS = Set.of("filter", "exact");

    private final QueryServices services;

    CountPointsHandler(QueryServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        CollectionSpec spec = Collections.require(services.catalog(), call.collection());
        Filter filter = null;
        if (call.body() != null && call.body().isReadable()) {
            ObjectNode body = JsonBodies.object(call.body(), "count request");
            JsonBodies.onlyFields(body, FIELDS, "count request");
            JsonBodies.booleanField(body, "exact", true);
            filter = SearchHandler.filter(body.get("filter"));
        }
        int timeoutMs = services.settings().requestTimeoutMs();
        return services.points()
                .count(spec.getName(), filter, timeoutMs)
                .thenApply(outcome -> answer(call, outcome, timeoutMs));
    }

    private static HttpAnswer answer(HttpCall call, CountOutcome outcome, int timeoutMs) {
        if (!outcome.exact()) {
            throw new UnavailableException(
                    "shards_unavailable",
                    "shards "
                            + outcome.missingShards()
                            + " did not answer within "
                            + timeoutMs
                            + " ms; the count would not be exact");
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "ok");
        body.put("time_ms", call.millisSinceStart());
        body.putObject("result").put("count", outcome.count());
        return HttpAnswer.ok(body);
    }
}
