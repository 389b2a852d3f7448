package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import io.quiver.query.search.CountOutcome;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /collections/{name}}: {@code {"status":"ok","result":{spec..., "points_count":42,
 * "points_count_exact":true, "shards":{"total":32,"ready":31,"not_ready":[{"shard":4,
 * "state":"recovering"}]}}}}, 404 if unknown. The count sums the shards that answered within the
 * request timeout; {@code points_count_exact} is false when some did not, and {@code points_count}
 * is null when none did. The spec fields (name, dimension, metric, index parameters, ...) are as
 * {@code PUT} stored them.
 */
final class GetCollectionHandler implements RouteHandler {

    private static final Logger LOG = LoggerFactory.getLogger(GetCollectionHandler.class);

    private final QueryServices services;

    GetCollectionHandler(QueryServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        CollectionSpec spec = Collections.require(services.catalog(), call.collection());
        ShardSummary shards = ShardSummary.of(services.directory());
        return services.points()
                .count(spec.getName(), null, services.settings().requestTimeoutMs())
                // The spec is worth answering even when no shard can count.
                .exceptionally(
                        failure -> {
                            LOG.debug("Cannot count '{}': {}", spec.getName(), failure.toString());
                            return null;
                        })
                .thenApply(count -> answer(spec, shards, count));
    }

    private static HttpAnswer answer(CollectionSpec spec, ShardSummary shards, CountOutcome count) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("status", "ok");
        ObjectNode result = CollectionSpecs.toJson(spec);
        if (count == null || count.answeredShards() == 0) {
            result.putNull("points_count");
        } else {
            result.put("points_count", count.count());
        }
        result.put("points_count_exact", count != null && count.exact());
        ObjectNode s = result.putObject("shards");
        s.put("total", shards.total());
        s.put("ready", shards.ready());
        s.set("not_ready", shards.notReady());
        body.set("result", result);
        return HttpAnswer.ok(body);
    }
}
