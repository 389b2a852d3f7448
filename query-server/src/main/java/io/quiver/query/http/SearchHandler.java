package io.quiver.query.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.consistency.ReadConsistency;
import io.quiver.query.internal.Json;
import io.quiver.query.search.Hit;
import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import io.quiver.schemas.Limits;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.MetricType;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.InvalidRecordException;
import io.quiver.schemas.record.RecordValidator;
import io.quiver.schemas.record.UpsertCodec;
import io.quiver.schemas.routing.OffsetToken;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /collections/{name}/points/search}.
 *
 * <p>Body (Qdrant's names): {@code vector} (required), {@code limit} (default {@value
 * #DEFAULT_LIMIT}, 1 to {@value Limits#MAX_SEARCH_LIMIT}), {@code with_payload} (default false),
 * {@code params.hnsw_ef} (1 to {@value CollectionSpecs#MAX_EF}, default: the collection's {@code
 * ef}), {@code score_threshold} (drop worse hits), {@code timeout_ms} (default: the server's
 * request timeout), {@code consistency} ({@code eventual}, {@code session} with {@code token}, or
 * {@code strong}; default: the collection's {@code default_consistency}, see {@link
 * ReadConsistency}). A session or strong search whose shards cannot catch up in time is 504.
 *
 * <p>Answer: {@code
 * {"status":"ok","time_ms":1.8,"result":[{"id":"a1","score":0.97,"payload":{..}}],
 * "partial":false,"missing_shards":[]}}, best first. When some shards did not answer in time the
 * answer still comes, with {@code "partial":true} and their numbers; when none answered it is 503.
 */
final class SearchHandler implements RouteHandler {

    private static final Logger LOG = LoggerFactory.getLogger(SearchHandler.class);

    /** Qdrant requires a limit; 10 is what most clients send. */
    static final int DEFAULT_LIMIT = 10;

    private static final Set<String> FIELDS =
            Set.of(
                    "vector",
                    "limit",
                    "with_payload",
                    "params",
                    "score_threshold",
                    "timeout_ms",
                    "consistency",
                    "token");
    private static final Set<String> PARAMS_FIELDS = Set.of("hnsw_ef");

    private final QueryServices services;

    SearchHandler(QueryServices services) {
        this.services = services;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        CollectionSpec spec = Collections.require(services.catalog(), call.collection());
        ObjectNode body = JsonBodies.object(call.body(), "search request");
        SearchQuery query = parse(body, spec);
        ReadConsistency consistency = consistency(body, spec);
        CompletableFuture<SearchQuery> ready;
        switch (consistency) {
            case SESSION:
                ready = CompletableFuture.completedFuture(withOffsets(query, token(body)));
                break;
            case STRONG:
                ready =
                        WriteFutures.bounded(
                                        services.endOffsets()
                                                .lastOffsets(services.topics().upserts()),
                                        query.timeoutMs(),
                                        "reading the upserts topic's end offsets")
                                .thenApply(offsets -> withOffsets(query, offsets));
                break;
            default:
                ready = CompletableFuture.completedFuture(query);
        }
        return ready.thenCompose(
                q ->
                        services.searcher()
                                .search(spec, q)
                                .thenApply(outcome -> answer(call, q, consistency, outcome)));
    }

    private static ReadConsistency consistency(ObjectNode body, CollectionSpec spec) {
        JsonNode n = body.get("consistency");
        if (n == null || n.isNull()) {
            return ReadConsistency.valueOf(spec.getDefaultConsistency().name());
        }
        if (!n.isTextual()) {
            throw JsonBodies.wrongType("consistency", "a string", n);
        }
        try {
            return ReadConsistency.parse(n.textValue());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("invalid_consistency", e.getMessage());
        }
    }

    private static Map<Integer, Long> token(ObjectNode body) {
        JsonNode n = body.get("token");
        if (n == null || n.isNull()) {
            throw new InvalidRequestException(
                    "missing_token",
                    "'session' consistency needs the 'token' returned by your writes");
        }
        if (!n.isTextual()) {
            throw JsonBodies.wrongType("token", "a string", n);
        }
        try {
            return OffsetToken.parse(n.textValue());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("invalid_token", e.getMessage());
        }
    }

    private static SearchQuery withOffsets(SearchQuery q, Map<Integer, Long> offsets) {
        return new SearchQuery(
                q.collection(),
                q.vector(),
                q.limit(),
                q.ef(),
                q.withPayload(),
                q.scoreThreshold(),
                q.timeoutMs(),
                offsets);
    }

    SearchQuery parse(ObjectNode body, CollectionSpec spec) {
        JsonBodies.onlyFields(body, FIELDS, "search request");
        float[] vector = vector(body.get("vector"), spec);
        int limit = JsonBodies.intField(body, "limit", DEFAULT_LIMIT);
        if (limit < 1 || limit > Limits.MAX_SEARCH_LIMIT) {
            throw new InvalidRequestException(
                    "invalid_limit",
                    "'limit' must be between 1 and " + Limits.MAX_SEARCH_LIMIT + ", got " + limit);
        }
        boolean withPayload = JsonBodies.booleanField(body, "with_payload", false);
        int ef = 0;
        JsonNode params = body.get("params");
        if (params != null && !params.isNull()) {
            if (!params.isObject()) {
                throw JsonBodies.wrongType("params", "a JSON object", params);
            }
            JsonBodies.onlyFields(params, PARAMS_FIELDS, "params");
            ef = JsonBodies.intField(params, "hnsw_ef", 0);
            if (params.hasNonNull("hnsw_ef") && (ef < 1 || ef > CollectionSpecs.MAX_EF)) {
                throw new InvalidRequestException(
                        "invalid_hnsw_ef",
                        "'params.hnsw_ef' must be between 1 and "
                                + CollectionSpecs.MAX_EF
                                + ", got "
                                + ef);
            }
        }
        Float threshold = JsonBodies.floatField(body, "score_threshold");
        int timeoutMs =
                JsonBodies.intField(body, "timeout_ms", services.settings().requestTimeoutMs());
        if (timeoutMs < 1 || timeoutMs > HttpSettings.MAX_SEARCH_TIMEOUT_MS) {
            throw new InvalidRequestException(
                    "invalid_timeout",
                    "'timeout_ms' must be between 1 and "
                            + HttpSettings.MAX_SEARCH_TIMEOUT_MS
                            + ", got "
                            + timeoutMs);
        }
        return new SearchQuery(
                spec.getName(), vector, limit, ef, withPayload, threshold, timeoutMs, Map.of());
    }

    private static float[] vector(JsonNode node, CollectionSpec spec) {
        if (node == null || node.isNull()) {
            throw new BadRequestException("missing_field", "missing field 'vector'");
        }
        float[] vector;
        try {
            List<Float> floats = UpsertCodec.floats(node, "vector");
            vector = new float[floats.size()];
            for (int i = 0; i < vector.length; i++) {
                vector[i] = floats.get(i);
            }
            RecordValidator.checkVector(vector, spec);
        } catch (InvalidRecordException e) {
            throw RecordErrors.of(e, "search request");
        }
        if (spec.getMetric() == MetricType.COSINE) {
            boolean zero = true;
            for (float f : vector) {
                zero &= f == 0f;
            }
            if (zero) {
                throw new InvalidRequestException(
                        "zero_vector", "a cosine search needs a non-zero vector");
            }
        }
        return vector;
    }

    private HttpAnswer answer(
            HttpCall call, SearchQuery query, ReadConsistency consistency, SearchOutcome outcome) {
        if (consistency != ReadConsistency.EVENTUAL && !outcome.missingShards().isEmpty()) {
            throw new ConsistencyTimeoutException(
                    "shards "
                            + outcome.missingShards()
                            + " could not confirm "
                            + consistency.wireName()
                            + " consistency within "
                            + query.timeoutMs()
                            + " ms");
        }
        if (outcome.answeredShards() == 0) {
            throw new UnavailableException(
                    "shards_unavailable",
                    "no shard answered within "
                            + query.timeoutMs()
                            + " ms; missing shards: "
                            + outcome.missingShards());
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", "ok");
        body.put(
                "time_ms", Math.round((System.nanoTime() - call.startNanos()) / 1_000.0) / 1_000.0);
        ArrayNode result = body.putArray("result");
        for (Hit h : outcome.hits()) {
            ObjectNode hit = result.addObject();
            hit.put("id", h.id());
            hit.put("score", h.score());
            if (query.withPayload()) {
                hit.set("payload", payload(h));
            }
        }
        body.put("partial", outcome.partial());
        ArrayNode missing = body.putArray("missing_shards");
        outcome.missingShards().forEach(missing::add);
        return HttpAnswer.ok(body);
    }

    private static JsonNode payload(Hit h) {
        if (h.payload() == null) {
            return Json.MAPPER.nullNode();
        }
        try {
            return Json.MAPPER.readTree(h.payload());
        } catch (IOException e) {
            LOG.warn("Shard {} returned an unreadable payload for '{}'", h.shard(), h.id());
            return Json.MAPPER.nullNode();
        }
    }
}
