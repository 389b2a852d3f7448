package io.quiver.query.testing;

import io.quiver.query.search.CountOutcome;
import io.quiver.query.search.PointLookup;
import io.quiver.query.search.PointReader;
import io.quiver.schemas.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** Answers point lookups from a map and counts with a fixed outcome; remembers count filters. */
public final class FakePointReader implements PointReader {

    public final Map<String, PointLookup> points = new ConcurrentHashMap<>();
    public volatile CountOutcome countOutcome = new CountOutcome(0, 4, List.of());
    public volatile boolean shardDown;
    private final List<Filter> countFilters = new ArrayList<>();

    public synchronized List<Filter> countFilters() {
        return new ArrayList<>(countFilters);
    }

    @Override
    public CompletableFuture<PointLookup> get(String collection, String id, int timeoutMs) {
        if (shardDown) {
            return CompletableFuture.completedFuture(new PointLookup(2, false, null, null));
        }
        return CompletableFuture.completedFuture(
                points.getOrDefault(collection + "/" + id, new PointLookup(1, true, null, null)));
    }

    @Override
    public synchronized CompletableFuture<CountOutcome> count(
            String collection, Filter filter, int timeoutMs) {
        countFilters.add(filter);
        return CompletableFuture.completedFuture(countOutcome);
    }
}
