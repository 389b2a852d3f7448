package io.quiver.query.search;

import io.quiver.schemas.filter.Filter;
import java.util.concurrent.CompletableFuture;

/**
 * Reads points from the shards without a vector search: one point by id, and exact counts. Both
 * complete (never exceptionally for shard problems) within {@code timeoutMs} plus a little and read
 * what the shards have applied now.
 */
public interface PointReader {

    /** The point {@code id} of {@code collection}, asked of the one shard that holds it. */
    CompletableFuture<PointLookup> get(String collection, String id, int timeoutMs);

    /** How many points of {@code collection} pass {@code filter} (null: all), over all shards. */
    CompletableFuture<CountOutcome> count(String collection, Filter filter, int timeoutMs);
}
