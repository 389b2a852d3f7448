package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import io.quiver.query.write.TopicWriter;
import io.quiver.schemas.Topics;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.record.UpsertCodec;
import io.quiver.schemas.routing.OffsetToken;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code PUT /collections/{name}/points} and {@code POST /collections/{name}/points/delete}:
 * validate every point, produce one JSON record per point to the upserts topic (key {@code
 * collection/id}), wait for Kafka's acknowledgement and answer {@code
 * {"status":"acknowledged","token":"0:15,3:7", "result":{"points":N}}}. The token names the highest
 * offset written per partition, for read-your-writes searches. A batch is validated as a whole
 * before anything is written.
 *
 * <p>With {@code ?wait=true} the answer waits, within the request timeout, until every shard has
 * applied the written offsets (the points are searchable) and says {@code "status":"completed"};
 * when some shard does not catch up in time it is 504 {@code consistency_timeout}, the write itself
 * acknowledged (the message carries its token).
 */
final class UpsertPointsHandler implements RouteHandler {

    private final QueryServices services;
    private final boolean delete;

    private UpsertPointsHandler(QueryServices services, boolean delete) {
        this.services = services;
        this.delete = delete;
    }

    static UpsertPointsHandler upserts(QueryServices services) {
        return new UpsertPointsHandler(services, false);
    }

    static UpsertPointsHandler deletes(QueryServices services) {
        return new UpsertPointsHandler(services, true);
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        CollectionSpec spec = Collections.require(services.catalog(), call.collection());
        ObjectNode body =
                JsonBodies.object(call.body(), delete ? "delete request" : "upsert request");
        int max = services.settings().maxBatchPoints();
        List<UpsertRecord> records =
                delete
                        ? PointsParser.deletes(body, spec, max)
                        : PointsParser.upserts(body, spec, max);
        List<TopicWriter.Entry> entries = new ArrayList<>(records.size());
        for (UpsertRecord r : records) {
            byte[] key =
                    Topics.pointKey(r.getCollection(), r.getId()).getBytes(StandardCharsets.UTF_8);
            entries.add(new TopicWriter.Entry(key, UpsertCodec.encodeJson(r)));
        }
        int count = records.size();
        boolean wait = call.flag("wait");
        int timeoutMs = services.settings().requestTimeoutMs();
        return WriteFutures.bounded(
                        services.writer().write(services.topics().upserts(), entries),
                        timeoutMs,
                        (delete ? "delete of " : "upsert of ") + count + " point(s)")
                .thenCompose(
                        offsets -> {
                            if (!wait) {
                                return CompletableFuture.completedFuture(
                                        answer("acknowledged", offsets, count));
                            }
                            return services.searcher()
                                    .search(
                                            spec,
                                            SearchQuery.sync(
                                                    spec.getName(),
                                                    offsets,
                                                    call.millisLeft(timeoutMs)))
                                    .thenApply(outcome -> waited(outcome, offsets, count));
                        });
    }

    private static HttpAnswer waited(SearchOutcome outcome, Map<Integer, Long> offsets, int count) {
        if (!outcome.missingShards().isEmpty()) {
            throw new ConsistencyTimeoutException(
                    "the write was acknowledged (token '"
                            + OffsetToken.format(offsets)
                            + "') but shards "
                            + outcome.missingShards()
                            + " did not apply it within the request timeout");
        }
        return answer("completed", offsets, count);
    }

    private static HttpAnswer answer(String status, Map<Integer, Long> offsets, int count) {
        ObjectNode answer = Json.MAPPER.createObjectNode();
        answer.put("status", status);
        answer.put("token", OffsetToken.format(offsets));
        answer.putObject("result").put("points", count);
        return HttpAnswer.ok(answer);
    }
}
