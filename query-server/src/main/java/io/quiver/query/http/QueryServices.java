package io.quiver.query.http;

import io.quiver.query.catalog.CollectionCatalog;
import io.quiver.query.consistency.EndOffsets;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.search.Searcher;
import io.quiver.query.write.TopicWriter;
import io.quiver.schemas.Topics;
import java.util.Objects;

/** What the endpoints work with; tests pass fakes. */
public record QueryServices(
        CollectionCatalog catalog,
        TopicWriter writer,
        Searcher searcher,
        ShardDirectory directory,
        Topics topics,
        HttpSettings settings,
        EndOffsets endOffsets) {

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
    }
}
