package io.quiver.query.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.search.Hit;
import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import io.quiver.query.search.Searcher;
import io.quiver.query.testing.Specs;
import io.quiver.schemas.avro.CollectionSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class CachingSearcherTest {

    private static final SearchOutcome FULL =
            new SearchOutcome(List.of(new Hit("a", 1f, null, 0)), 4, List.of());

    private final CollectionSpec spec = Specs.spec("docs", 2, "dot");
    private final QueryMetrics metrics = new QueryMetrics();
    private final Delegate delegate = new Delegate();
    private final CachingSearcher searcher =
            new CachingSearcher(delegate, metrics, Duration.ofMinutes(1), 1 << 20);

    /** Answers each search with a future the test completes. */
    private static final class Delegate implements Searcher {
        final List<CompletableFuture<SearchOutcome>> calls = new ArrayList<>();

        @Override
        public synchronized CompletableFuture<SearchOutcome> search(
                CollectionSpec spec, SearchQuery query) {
            CompletableFuture<SearchOutcome> f = new CompletableFuture<>();
            calls.add(f);
            return f;
        }
    }

    private static SearchQuery query(float x, Map<Integer, Long> offsets) {
        return new SearchQuery("docs", new float[] {x, 1}, 3, 0, false, null, 1000, offsets);
    }

    @Test
    void identicalSearchesInFlightShareOneDelegateCall() {
        List<CompletableFuture<SearchOutcome>> answers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            answers.add(searcher.search(spec, query(1, Map.of())));
        }
        assertThat(delegate.calls).hasSize(1);
        assertThat(metrics.coalescedCount()).isEqualTo(49);
        delegate.calls.get(0).complete(FULL);
        assertThat(answers).allSatisfy(a -> assertThat(a.join()).isSameAs(FULL));
    }

    @Test
    void aRepeatIsACacheHit() {
        CompletableFuture<SearchOutcome> first = searcher.search(spec, query(1, Map.of()));
        delegate.calls.get(0).complete(FULL);
        assertThat(first.join()).isSameAs(FULL);
        assertThat(searcher.search(spec, query(1, Map.of())).join()).isSameAs(FULL);
        assertThat(delegate.calls).hasSize(1);
        assertThat(metrics.cacheHitCount()).isEqualTo(1);
        assertThat(searcher.cachedEntries()).isEqualTo(1);
    }

    @Test
    void anotherVectorOrAnotherCollectionIncarnationIsAnotherSearch() {
        searcher.search(spec, query(1, Map.of()));
        delegate.calls.get(0).complete(FULL);
        searcher.search(spec, query(2, Map.of()));
        CollectionSpec recreated = Specs.spec("docs", 2, "dot");
        recreated.setCreatedAtMs(spec.getCreatedAtMs() + 1);
        searcher.search(recreated, query(1, Map.of()));
        assertThat(delegate.calls).hasSize(3);
    }

    @Test
    void anExactSearchNeverSharesTheAnswerOfAnIndexSearch() {
        searcher.search(spec, query(1, Map.of()));
        delegate.calls.get(0).complete(FULL);
        searcher.search(spec, query(1, Map.of()).withExact(true));
        assertThat(delegate.calls).hasSize(2);
        delegate.calls.get(1).complete(FULL);
        searcher.search(spec, query(1, Map.of()).withExact(true));
        assertThat(delegate.calls).hasSize(2);
    }

    @Test
    void searchesWithRequiredOffsetsAreNeverCachedButDoCoalesce() {
        CompletableFuture<SearchOutcome> a = searcher.search(spec, query(1, Map.of(0, 5L)));
        CompletableFuture<SearchOutcome> b = searcher.search(spec, query(1, Map.of(0, 5L)));
        assertThat(delegate.calls).hasSize(1);
        delegate.calls.get(0).complete(FULL);
        assertThat(b.join()).isSameAs(a.join());
        searcher.search(spec, query(1, Map.of(0, 5L)));
        searcher.search(spec, query(1, Map.of(0, 6L)));
        assertThat(delegate.calls).hasSize(3);
        assertThat(searcher.cachedEntries()).isZero();
    }

    @Test
    void partialAnswersAreNotCachedAndAreCounted() {
        searcher.search(spec, query(1, Map.of()));
        delegate.calls.get(0).complete(new SearchOutcome(List.of(), 3, List.of(2)));
        searcher.search(spec, query(1, Map.of()));
        assertThat(delegate.calls).hasSize(2);
        assertThat(metrics.scrape()).contains("quiver_search_partial_total 1.0");
    }

    @Test
    void failuresReachEveryWaiterAndAreNotCached() {
        CompletableFuture<SearchOutcome> a = searcher.search(spec, query(1, Map.of()));
        CompletableFuture<SearchOutcome> b = searcher.search(spec, query(1, Map.of()));
        delegate.calls.get(0).completeExceptionally(new IllegalStateException("boom"));
        assertThatThrownBy(a::join)
                .isInstanceOf(CompletionException.class)
                .hasMessageContaining("boom");
        assertThatThrownBy(b::join)
                .isInstanceOf(CompletionException.class)
                .hasMessageContaining("boom");
        searcher.search(spec, query(1, Map.of()));
        assertThat(delegate.calls).hasSize(2);
    }

    @Test
    void aZeroTtlDisablesTheCacheOnly() {
        CachingSearcher uncached = new CachingSearcher(delegate, metrics, Duration.ZERO, 1 << 20);
        CompletableFuture<SearchOutcome> a = uncached.search(spec, query(1, Map.of()));
        uncached.search(spec, query(1, Map.of()));
        assertThat(delegate.calls).hasSize(1);
        delegate.calls.get(0).complete(FULL);
        a.join();
        uncached.search(spec, query(1, Map.of()));
        assertThat(delegate.calls).hasSize(2);
        assertThatThrownBy(() -> new CachingSearcher(delegate, metrics, Duration.ofSeconds(-1), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cache TTL must be >= 0");
    }
}
