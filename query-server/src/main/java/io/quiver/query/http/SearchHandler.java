package io.quiver.query.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.catalog.CollectionCatalog;
import io.quiver.query.consistency.ReadConsistency;
import io.quiver.query.rerank.CorpusStats;
import io.quiver.query.rerank.RerankMethod;
import io.quiver.query.rerank.RerankPlan;
import io.quiver.query.rerank.RerankResult;
import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import io.quiver.schemas.Limits;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.MetricType;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.filter.Filter;
import io.quiver.schemas.filter.FilterException;
import io.quiver.schemas.filter.Filters;
import io.quiver.schemas.record.InvalidRecordException;
import io.quiver.schemas.record.RecordValidator;
import io.quiver.schemas.record.UpsertCodec;
import io.quiver.schemas.routing.OffsetToken;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /collections/{name}/points/search}.
 *
 * <p>Body (Qdrant's names): {@code vector} (required), {@code limit} (default {@value
 * #DEFAULT_LIMIT}, 1 to {@value Limits#MAX_SEARCH_LIMIT}), {@code offset} (skip that many of the
 * best hits; {@code offset + limit} at most {@value Limits#MAX_SEARCH_LIMIT}, since every shard is
 * asked for that many), {@code with_payload} and {@code with_vector} (default false), {@code
 * params.hnsw_ef} (1 to {@value CollectionSpecs#MAX_EF}, default: the collection's {@code ef}),
 * {@code params.exact} (default false: true scans every point of every shard for the exact top-k
 * instead of searching the index, at O(points × dimension) per shard), {@code score_threshold}
 * (drop worse hits), {@code timeout_ms} (default: the server's request timeout), {@code
 * consistency} ({@code eventual}, {@code session} with {@code token}, or {@code strong}; default:
 * the collection's {@code default_consistency}, see {@link ReadConsistency}), {@code filter}
 * (Qdrant's {@code must}/{@code should}/{@code must_not} over payload fields, see {@link Filters};
 * evaluated exactly inside the shards). A session or strong search whose shards cannot catch up in
 * time is 504.
 *
 * <p>Answer: {@code
 * {"status":"ok","time_ms":1.8,"result":[{"id":"a1","score":0.97,"payload":{..}}],
 * "partial":false,"missing_shards":[]}}, best first. When some shards did not answer in time the
 * answer still comes, with {@code "partial":true} and their numbers; when none answered it is 503.
 */
final class SearchHandler implements RouteHandler {

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
                    "token",
                    "filter",
                    "offset",
                    "with_vector",
                    "rerank");
    private static final Set<String> PARAMS_FIELDS = Set.of("hnsw_ef", "exact");

    private final QueryServices services;

    SearchHandler(QueryServices services) {
        this.services = services;
    }

    CollectionCatalog catalog() {
        return services.catalog();
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        CollectionSpec spec = Collections.require(services.catalog(), call.collection());
        JsonBodies.VectorBody body =
                JsonBodies.objectWithVector(call.body(), "search request", "vector");
        Prepared search = prepare(body.rest(), body.vector(), spec);
        return run(spec, search)
                .thenApply(ranked -> SearchAnswers.single(call, search.query(), ranked));
    }

    /**
     * One validated search, the consistency it asks for and its rerank plan.
     *
     * @param query the search as asked (its page and payload choice shape the answer)
     */
    record Prepared(SearchQuery query, ReadConsistency consistency, RerankPlan rerank) {

        /**
         * What the shards are asked: the search itself, or when reranking, every candidate from the
         * top (at least N) with payloads when the method reads texts, with exact float32 scores
         * from the shards for {@code exact}.
         */
        SearchQuery fanOut() {
            if (!rerank.active()) {
                return query;
            }
            return query.fromTop(
                            Math.max(query.depth(), rerank.topN()),
                            query.withPayload() || rerank.method().needsText())
                    .withExactScores(rerank.method() == RerankMethod.EXACT);
        }
    }

    /**
     * A search's answer.
     *
     * @param outcome the fan-out's outcome holding the page of hits to answer
     * @param rerankScores the reranker's score of each hit of the page, NaN where not rescored
     * @param reranked whether the page's order comes from the reranker
     * @param rerankReason why not, or null
     */
    record Ranked(
            SearchOutcome outcome, float[] rerankScores, boolean reranked, String rerankReason) {}

    /**
     * Validates one search body (synchronously, throwing what the caller should see).
     *
     * @throws QuiverHttpException naming the field and the problem
     */
    Prepared prepare(ObjectNode body, CollectionSpec spec) {
        return prepare(body, null, spec);
    }

    /**
     * As {@link #prepare(ObjectNode, CollectionSpec)}, with the vector already read as floats.
     *
     * @param vector the body's {@code vector} when read apart from {@code body}, else null
     */
    Prepared prepare(ObjectNode body, float[] vector, CollectionSpec spec) {
        SearchQuery query = parse(body, vector, spec);
        ReadConsistency consistency = consistency(body, spec);
        if (consistency == ReadConsistency.SESSION) {
            query = query.withRequiredOffsets(token(body));
        }
        return new Prepared(query, consistency, RerankRequests.plan(body.get("rerank"), spec));
    }

    /**
     * Runs a prepared search: reads the end offsets first for strong consistency, fans out, and
     * fails with 504 when a session or strong search missed shards (an eventual one answers
     * partial, even with no shard); then reranks when the plan says so (never failing for the
     * reranker) and cuts the page.
     */
    CompletableFuture<Ranked> run(CollectionSpec spec, Prepared search) {
        SearchQuery query = search.fanOut();
        CompletableFuture<SearchQuery> ready =
                search.consistency() != ReadConsistency.STRONG
                        ? CompletableFuture.completedFuture(query)
                        : WriteFutures.bounded(
                                        services.endOffsets()
                                                .lastOffsets(services.topics().upserts()),
                                        query.timeoutMs(),
                                        "reading the upserts topic's end offsets")
                                .thenApply(query::withRequiredOffsets);
        CompletableFuture<CorpusStats> termStats = termStats(search);
        return ready.thenCompose(q -> services.searcher().search(spec, q))
                .thenApply(outcome -> check(query, search.consistency(), outcome))
                .thenCompose(outcome -> rerank(search, outcome, termStats));
    }

    /**
     * Runs prepared searches of one collection together, as {@link #run} does each: the end offsets
     * are read once for all strong ones, the searches go to the shards as one batch (one shard RPC
     * per shard server), then each is checked and reranked on its own. Fails as the first failing
     * search would.
     */
    CompletableFuture<List<Ranked>> runBatch(CollectionSpec spec, List<Prepared> searches) {
        boolean strong = false;
        int timeoutMs = 0;
        for (Prepared p : searches) {
            strong |= p.consistency() == ReadConsistency.STRONG;
            timeoutMs = Math.max(timeoutMs, p.query().timeoutMs());
        }
        CompletableFuture<Map<Integer, Long>> endOffsets =
                !strong
                        ? CompletableFuture.completedFuture(Map.of())
                        : WriteFutures.bounded(
                                services.endOffsets().lastOffsets(services.topics().upserts()),
                                timeoutMs,
                                "reading the upserts topic's end offsets");
        List<CompletableFuture<CorpusStats>> termStats = new ArrayList<>(searches.size());
        for (Prepared p : searches) {
            termStats.add(termStats(p));
        }
        return endOffsets.thenCompose(
                offsets -> {
                    List<SearchQuery> queries = new ArrayList<>(searches.size());
                    for (Prepared p : searches) {
                        SearchQuery q = p.fanOut();
                        queries.add(
                                p.consistency() == ReadConsistency.STRONG
                                        ? q.withRequiredOffsets(offsets)
                                        : q);
                    }
                    return services.searcher()
                            .searchBatch(spec, queries)
                            .thenCompose(
                                    outcomes -> rankAll(searches, queries, outcomes, termStats));
                });
    }

    private CompletableFuture<List<Ranked>> rankAll(
            List<Prepared> searches,
            List<SearchQuery> queries,
            List<SearchOutcome> outcomes,
            List<CompletableFuture<CorpusStats>> termStats) {
        List<CompletableFuture<Ranked>> ranked = new ArrayList<>(searches.size());
        for (int i = 0; i < searches.size(); i++) {
            Prepared p = searches.get(i);
            ranked.add(
                    rerank(
                            p,
                            check(queries.get(i), p.consistency(), outcomes.get(i)),
                            termStats.get(i)));
        }
        return CompletableFuture.allOf(ranked.toArray(new CompletableFuture<?>[0]))
                .thenApply(
                        ignored -> {
                            List<Ranked> out = new ArrayList<>(ranked.size());
                            ranked.forEach(f -> out.add(f.join()));
                            return out;
                        });
    }

    /**
     * For a {@code bm25} rerank, the collection's statistics of the query's terms, asked for now so
     * that the shards count them while they search; null otherwise.
     */
    private CompletableFuture<CorpusStats> termStats(Prepared search) {
        return services.reranking()
                .termStats(
                        search.query().collection(), search.rerank(), search.query().timeoutMs());
    }

    private CompletableFuture<Ranked> rerank(
            Prepared search, SearchOutcome outcome, CompletableFuture<CorpusStats> termStats) {
        if (!search.rerank().active()) {
            float[] none = new float[outcome.hits().size()];
            Arrays.fill(none, Float.NaN);
            return CompletableFuture.completedFuture(
                    new Ranked(outcome, none, false, search.rerank().skipReason()));
        }
        return services.reranking()
                .rerank(search.query().collection(), search.rerank(), outcome.hits(), termStats)
                .thenApply(result -> page(search.query(), outcome, result));
    }

    /** The asked page of the reranked candidates. */
    private static Ranked page(SearchQuery query, SearchOutcome outcome, RerankResult result) {
        int from = Math.min(query.offset(), result.hits().size());
        int to = Math.min(query.depth(), result.hits().size());
        return new Ranked(
                new SearchOutcome(
                        result.hits().subList(from, to),
                        outcome.answeredShards(),
                        outcome.missingShards()),
                Arrays.copyOfRange(result.rerankScores(), from, to),
                result.reranked(),
                result.reason());
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

    SearchQuery parse(ObjectNode body, CollectionSpec spec) {
        return parse(body, null, spec);
    }

    private SearchQuery parse(ObjectNode body, float[] streamedVector, CollectionSpec spec) {
        JsonBodies.onlyFields(body, FIELDS, "search request");
        float[] vector =
                streamedVector != null
                        ? checked(streamedVector, spec)
                        : vector(body.get("vector"), spec);
        int limit = JsonBodies.intField(body, "limit", DEFAULT_LIMIT);
        if (limit < 1 || limit > Limits.MAX_SEARCH_LIMIT) {
            throw new InvalidRequestException(
                    "invalid_limit",
                    "'limit' must be between 1 and " + Limits.MAX_SEARCH_LIMIT + ", got " + limit);
        }
        int offset = JsonBodies.intField(body, "offset", 0);
        if (offset < 0 || offset > Limits.MAX_SEARCH_LIMIT - limit) {
            throw new InvalidRequestException(
                    "invalid_offset",
                    "'offset' must be between 0 and "
                            + (Limits.MAX_SEARCH_LIMIT - limit)
                            + " (offset + limit at most "
                            + Limits.MAX_SEARCH_LIMIT
                            + "), got "
                            + offset);
        }
        boolean withPayload = JsonBodies.booleanField(body, "with_payload", false);
        boolean withVector = JsonBodies.booleanField(body, "with_vector", false);
        int ef = 0;
        boolean exact = false;
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
            JsonNode e = params.get("exact");
            if (e != null && !e.isNull()) {
                if (!e.isBoolean()) {
                    throw JsonBodies.wrongType("params.exact", "true or false", e);
                }
                exact = e.booleanValue();
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
                spec.getName(),
                vector,
                limit,
                offset,
                ef,
                withPayload,
                withVector,
                threshold,
                timeoutMs,
                Map.of(),
                filter(body.get("filter")),
                false,
                exact);
    }

    /** The validated filter, or null for none; 400 when malformed, 422 when it breaks a rule. */
    static Filter filter(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            return Filters.parse(node, "filter");
        } catch (FilterException e) {
            if (e.malformed()) {
                throw new BadRequestException(e.code(), e.getMessage());
            }
            throw new InvalidRequestException(e.code(), e.getMessage());
        }
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
        } catch (InvalidRecordException e) {
            throw RecordErrors.of(e, "search request");
        }
        return checked(vector, spec);
    }

    /** The vector when it fits the collection: dimension, finite, non-zero for cosine. */
    private static float[] checked(float[] vector, CollectionSpec spec) {
        try {
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

    private static SearchOutcome check(
            SearchQuery query, ReadConsistency consistency, SearchOutcome outcome) {
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
        // An eventual search that no shard answered is still an answer, flagged partial with every
        // shard missing: during a job restart (a TaskManager lost, all shards recovering) clients
        // keep getting 200s they can recognize, not errors they must retry.
        return outcome;
    }
}
