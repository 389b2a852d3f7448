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

    /** A builder: the first six services are required, the rest have defaults. */
    public static Builder builder() {
        return new Builder();
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

    /**
     * Builds {@link QueryServices}. Defaults: no strong reads ({@link EndOffsets#none()}), no point
     * reads (they answer 503), metrics of their own, reranking that counts into those metrics.
     */
    public static final class Builder {
        private CollectionCatalog catalog;
        private TopicWriter writer;
        private Searcher searcher;
        private ShardDirectory directory;
        private Topics topics;
        private HttpSettings settings;
        private EndOffsets endOffsets = EndOffsets.none();
        private PointReader points = NO_POINT_READS;
        private QueryMetrics metrics;
        private Reranking reranking;

        private Builder() {}

        public Builder catalog(CollectionCatalog catalog) {
            this.catalog = catalog;
            return this;
        }

        public Builder writer(TopicWriter writer) {
            this.writer = writer;
            return this;
        }

        public Builder searcher(Searcher searcher) {
            this.searcher = searcher;
            return this;
        }

        public Builder directory(ShardDirectory directory) {
            this.directory = directory;
            return this;
        }

        public Builder topics(Topics topics) {
            this.topics = topics;
            return this;
        }

        public Builder settings(HttpSettings settings) {
            this.settings = settings;
            return this;
        }

        public Builder endOffsets(EndOffsets endOffsets) {
            this.endOffsets = endOffsets;
            return this;
        }

        public Builder points(PointReader points) {
            this.points = points;
            return this;
        }

        public Builder metrics(QueryMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        public Builder reranking(Reranking reranking) {
            this.reranking = reranking;
            return this;
        }

        /**
         * @throws NullPointerException naming the first required service not set
         */
        public QueryServices build() {
            QueryMetrics m = metrics != null ? metrics : new QueryMetrics();
            return new QueryServices(
                    catalog,
                    writer,
                    searcher,
                    directory,
                    topics,
                    settings,
                    endOffsets,
                    points,
                    m,
                    reranking != null ? reranking : Reranking.create(m));
        }
    }
}
