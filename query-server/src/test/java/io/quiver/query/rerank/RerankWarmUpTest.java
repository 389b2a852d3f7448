package io.quiver.query.rerank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.search.Hit;
import io.quiver.query.testing.RerankTestServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RerankWarmUpTest {

    private static final Duration TTL = Duration.ofMinutes(10);

    /** The score cache's clock, moved by the test: no test here waits for real time. */
    private final AtomicLong nanos = new AtomicLong(1);

    private final RerankTestServer server;
    private final Reranking reranking;

    RerankWarmUpTest() throws IOException {
        server = new RerankTestServer();
        reranking =
                new Reranking(
                        HttpClient.newHttpClient(),
                        new QueryMetrics(),
                        RerankSettings.defaults().withCacheTtl(TTL).withTicker(nanos::get));
    }

    @AfterEach
    void stop() {
        reranking.close();
        server.close();
    }

    @Test
    void aFrequentQueryIsStillCachedAfterItsFirstScoresWouldHaveExpired() {
        RerankPlan frequent = plan("wool coat");
        List<Hit> hits = hits();
        assertThat(reranking.rerank("docs", frequent, hits).join().reranked()).isTrue();
        assertThat(reranking.rerank("docs", frequent, hits).join().reranked()).isTrue();
        assertThat(server.calls()).as("the second search is answered from the cache").isEqualTo(1);

        advance(Duration.ofMinutes(9)); // within a fifth of the TTL of expiring
        assertThat(reranking.warmUp().join()).isEqualTo(1);
        assertThat(server.calls()).isEqualTo(2);

        advance(Duration.ofMinutes(2)); // 11 minutes after the search's own scores were written
        RerankResult again = reranking.rerank("docs", frequent, hits).join();
        assertThat(again.reranked()).isTrue();
        assertThat(again.hits().get(0).id()).isEqualTo("b");
        assertThat(server.calls()).as("a cache hit thanks to the warm-up").isEqualTo(2);
    }

    @Test
    void theWarmUpLeavesFreshOneOffAndLocalQueriesAlone() {
        List<Hit> hits = hits();
        reranking.rerank("docs", plan("wool coat"), hits).join();
        reranking.rerank("docs", plan("wool coat"), hits).join();
        reranking.rerank("docs", plan("seen once"), hits).join();
        RerankPlan bm25 =
                new RerankPlan(
                        RerankMethod.BM25, "lexical", 10, 1000, "body", null, Fusion.RRF, 0f, null);
        reranking.rerank("docs", bm25, hits).join();
        reranking.rerank("docs", bm25, hits).join();
        assertThat(server.calls()).isEqualTo(2);

        advance(Duration.ofMinutes(1));
        assertThat(reranking.warmUp().join()).as("still fresh").isZero();
        advance(Duration.ofMinutes(8));
        assertThat(reranking.warmUp().join()).as("only the frequent external one").isEqualTo(1);
        assertThat(server.calls()).isEqualTo(3);
    }

    @Test
    void settingsAreValidatedNamingTheValue() {
        RerankSettings d = RerankSettings.defaults();
        assertThatThrownBy(() -> d.withCacheMaxEntries(-1))
                .hasMessageContaining("rerank cache size must be >= 0 entries, got -1");
        assertThatThrownBy(() -> d.withCacheTtl(Duration.ofMillis(10)))
                .hasMessageContaining("rerank cache TTL must be 1000-86400000 ms, got 10");
        assertThatThrownBy(() -> d.withBreakerFailureRatePercent(120f))
                .hasMessageContaining("failure rate must be in (0, 100] percent, got 120.0");
        assertThatThrownBy(() -> d.withBreakerOpenDuration(Duration.ofMillis(5)))
                .hasMessageContaining("open duration must be 100-3600000 ms, got 5");
        assertThatThrownBy(() -> d.withWarmupQueries(1000))
                .hasMessageContaining("warm-up queries must be 0-100, got 1000");
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private RerankPlan plan(String queryText) {
        return new RerankPlan(
                RerankMethod.HTTP,
                queryText,
                10,
                10_000,
                "body",
                new RerankEndpoint(URI.create(server.url("tei")), RerankEndpoint.Protocol.TEI),
                Fusion.RRF,
                0f,
                null);
    }

    /** In vector order a, b; the test server scores a text by its last number: b first. */
    private static List<Hit> hits() {
        return List.of(
                new Hit("a", 0.9f, "{\"body\":\"alpha 0.1\"}".getBytes(StandardCharsets.UTF_8), 0),
                new Hit("b", 0.8f, "{\"body\":\"beta 0.7\"}".getBytes(StandardCharsets.UTF_8), 1));
    }
}
