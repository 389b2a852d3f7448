package io.quiver.query.search;

import io.quiver.schemas.avro.CollectionSpec;
import java.util.concurrent.CompletableFuture;

/** Runs a validated search over all shards of a collection. */
public interface Searcher {

    /**
     * Searches every shard and merges their hits. Completes (never exceptionally for shard
     * problems) within the query's timeout plus a little; shards that did not answer are listed in
     * {@link SearchOutcome#missingShards()}.
     */
    CompletableFuture<SearchOutcome> search(CollectionSpec spec, SearchQuery query);
}
