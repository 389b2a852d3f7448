package io.quiver.query.http;

import io.quiver.query.catalog.CollectionCatalog;
import io.quiver.query.consistency.EndOffsets;
import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.rerank.Reranking;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.search.CountOutcome;
import io.quiver.query.search.PointLookup;
import io.quiver.query.search.PointReader;
import io.quiver.query.search.Searcher;
import io.quiver.query.write.TopicWriter;
import io.quiver.schemas.Topics;
import io.quiver.schemas.filter.Filter;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** What the endpoints work with; tests pass fakes. */
public record QueryServices(
        CollectionCatalog catalog,
        TopicWriter writer,
        Searcher searcher,
        ShardDirectory directory,
        Topics topics,
        HttpSettings settings,
        EndOffsets endOffsets,
        PointReader points,
        QueryMetrics metrics,
        Reranking reranking) {

    /** Services whose reranking counts into {@code metrics}. */
    public QueryServices(
            CollectionCatalog catalog,
            TopicWriter writer,
            Searcher searcher,
            ShardDirectory directory,
            Topics topics,
            HttpSettings settings,
            EndOffsets endOffsets,
            PointReader points,
            QueryMetrics metrics) {
        this(
                catalog,
                writer,
                searcher,
                directory,
                topics,
                settings,
                endOffsets,
                points,
                metrics,
                Reranking.create(metrics));
    }

    /** Services with metrics of their own. */
    public QueryServices(
            CollectionCatalog catalog,
            TopicWriter writer,
            Searcher searcher,
            ShardDirectory directory,
            Topics topics,
            HttpSettings settings,
            EndOffsets endOffsets,
            PointReader points) {
        this(
                catalog,
                writer,
                searcher,
                directory,
                topics,
                settings,
                endOffsets,
                points,
                new QueryMetrics());
    }

    /** Services without point reads (they answer 503). */
    public QueryServices(
            CollectionCatalog catalog,
            TopicWriter writer,
            Searcher searcher,
            ShardDirectory directory,
            Topics topics,
            HttpSettings settings,
            EndOffsets endOffsets) {
        this(catalog, writer, searcher, directory, topics, settings, endOffsets, NO_POINT_READS);
    }

    /** Services without strong reads (every partition counts as empty). */
    public QueryServices(
            CollectionCatalog catalog,
            TopicWriter writer,
            Searcher searcher,
            ShardDirectory directory,
            Topics topics,
            HttpSettings settings) {
        this(catalog, writer, searcher, directory, topics, settings, EndOffsets.none());
    }

    public QueryServices {
        Objects.requireNonNull(catalog, "catalog");
        Objects.requireNonNull(writer, "writer");
        Objects.requireNonNull(searcher, "searcher");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(endOffsets, "endOffsets");
        Objects.requireNonNull(points, "points");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(reranking, "reranking");
    }

    private static final PointReader NO_POINT_READS =
            new PointReader() {
                @Override
                public CompletableFuture<PointLookup> get(
                        String collection, String id, int timeoutMs) {
                    return CompletableFuture.failedFuture(notConfigured());
                }

                @Override
                public CompletableFuture<CountOutcome> count(
                        String collection, Filter filter, int timeoutMs) {
                    return CompletableFuture.failedFuture(notConfigured());
                }

                private UnavailableException notConfigured() {
                    return new UnavailableException(
                            "not_configured", "this server has no point reader");
                }
            };
}
