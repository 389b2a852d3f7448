package io.quiver.query.testing;

import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import io.quiver.query.search.Searcher;
import io.quiver.schemas.avro.CollectionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Answers every search with a fixed outcome and remembers the queries. */
public final class FakeSearcher implements Searcher {

    private volatile SearchOutcome outcome = new SearchOutcome(List.of(), 1, List.of());
    private final List<SearchQuery> queries = new ArrayList<>();

    public FakeSearcher answer(SearchOutcome outcome) {
        this.outcome = outcome;
        return this;
    }

    public synchronized List<SearchQuery> queries() {
        return new ArrayList<>(queries);
    }

    @Override
    public synchronized CompletableFuture<SearchOutcome> search(
            CollectionSpec spec, SearchQuery query) {
        queries.add(query);
        return CompletableFuture.completedFuture(outcome);
    }
}
