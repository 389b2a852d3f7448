package io.quiver.query.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.schemas.avro.CollectionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /collections/{name}/points/search/batch}: {@code {"searches":[{search}, ...]}}, each
 * element what {@link SearchHandler} takes, 1 to {@value #MAX_SEARCHES} of them. Answer {@code
 * {"status":"ok","time_ms":..,"result":[[hits of search 0], [hits of search 1], ...],
 * "partial":false,"missing_shards":[]}}, where {@code partial} and {@code missing_shards} cover
 * every search of the batch.
 *
 * <p>Every element is validated before anything runs; an invalid one fails the whole batch with its
 * index in the message ({@code searches[2]: 'limit' must be ...}). The searches then go to the
 * shards together: one shard RPC per shard server for the whole batch, answered when the slowest
 * search is (each keeps its own timeout for the shards' consistency waits); a search that fails
 * (503, 504) fails the batch.
 */
final class SearchBatchHandler implements RouteHandler {

    /** Enough for a page of queries; larger batches should be split by the client. */
    static final int MAX_SEARCHES = 100;

    private static final Set<String> FIELDS = Set.of("searches");

    private final SearchHandler search;

    SearchBatchHandler(SearchHandler search) {
        this.search = search;
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        CollectionSpec spec = Collections.require(search.catalog(), call.collection());
        ObjectNode body = JsonBodies.object(call.body(), "batch search request");
        JsonBodies.onlyFields(body, FIELDS, "batch search request");
        JsonNode searches = body.get("searches");
        if (searches == null || searches.isNull()) {
            throw new BadRequestException("missing_field", "missing field 'searches'");
        }
        if (!searches.isArray()) {
            throw JsonBodies.wrongType("searches", "an array of searches", searches);
        }
        if (searches.isEmpty() || searches.size() > MAX_SEARCHES) {
            throw new InvalidRequestException(
                    "invalid_batch_size",
                    "'searches' must hold 1 to "
                            + MAX_SEARCHES
                            + " searches, got "
                            + searches.size());
        }
        List<SearchHandler.Prepared> prepared = new ArrayList<>(searches.size());
        for (int i = 0; i < searches.size(); i++) {
            prepared.add(prepare(searches.get(i), spec, "searches[" + i + "]"));
        }
        return search.runBatch(spec, prepared)
                .thenApply(ranked -> SearchAnswers.batch(call, prepared, ranked));
    }

    private SearchHandler.Prepared prepare(JsonNode node, CollectionSpec spec, String where) {
        if (!node.isObject()) {
            throw JsonBodies.wrongType(where, "a JSON object", node);
        }
        try {
            return search.prepare((ObjectNode) node, spec);
        } catch (BadRequestException e) {
            throw new BadRequestException(e.code(), where + ": " + e.getMessage());
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(e.code(), where + ": " + e.getMessage());
        }
    }
}
