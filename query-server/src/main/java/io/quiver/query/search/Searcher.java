package io.quiver.query.search;

import io.quiver.schemas.avro.CollectionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Runs a validated search over all shards of a collection. */
public interface Searcher {

    /**
     * Searches every shard and merges their hits. Completes (never exceptionally for shard
     * problems) within the query's timeout plus a little; shards that did not answer are listed in
     * {@link SearchOutcome#missingShards()}.
     */
    CompletableFuture<SearchOutcome> search(CollectionSpec spec, SearchQuery query);

    /**
     * Runs several searches of one collection together, outcomes in the order of {@code queries};
     * same guarantees as {@link #search} for each. By default they run one by one, concurrently;
     * the fan-out sends them in one shard RPC per shard server.
     */
    default CompletableFuture<List<SearchOutcome>> searchBatch(
            CollectionSpec spec, List<SearchQuery> queries) {
        List<CompletableFuture<SearchOutcome>> running = new ArrayList<>(queries.size());
        for (SearchQuery q : queries) {
            running.add(search(spec, q));
        }
        return CompletableFuture.allOf(running.toArray(new CompletableFuture<?>[0]))
                .thenApply(
                        ignored -> {
                            List<SearchOutcome> out = new ArrayList<>(running.size());
                            running.forEach(f -> out.add(f.join()));
                            return out;
                        });
    }
}
