package io.quiver.query.http;

import io.quiver.query.catalog.CollectionCatalog;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.testing.FakePointReader;
import io.quiver.query.testing.FakeSearcher;
import io.quiver.query.testing.FakeTopicWriter;
import io.quiver.query.testing.Specs;
import io.quiver.schemas.Topics;
import io.quiver.schemas.collection.CollectionSpecs;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Endpoints wired to fakes: a loaded catalog holding {@code docs} (4-d cosine) and {@code geo} (2-d
 * l2), a writer that records (and feeds collection writes back to the catalog as the reader would),
 * a searcher with a fixed answer, 4 shards all ready.
 */
final class HttpFixture {

    static final int MAX_BODY = 64 * 1024;
    static final int MAX_BATCH = 5;
    static final int TIMEOUT_MS = 300;

    final CollectionCatalog catalog = new CollectionCatalog();
    final FakeTopicWriter writer = new FakeTopicWriter(3);
    final FakeSearcher searcher = new FakeSearcher();
    final FakePointReader points = new FakePointReader();
    final Topics topics = new Topics("quiver");
    final ShardDirectory directory =
            ShardDirectory.fixed(
                    4,
                    Map.of(
                            0, new ShardEndpoint("127.0.0.1", 7001),
                            1, new ShardEndpoint("127.0.0.1", 7001),
                            2, new ShardEndpoint("127.0.0.1", 7002),
                            3, new ShardEndpoint("127.0.0.1", 7002)));
    final QueryServices services;
    final HttpExchange http;

    HttpFixture() {
        this(true);
    }

    HttpFixture(boolean catalogLoaded) {
        catalog.apply("docs", Specs.spec("docs", 4, "cosine"), 0, 0);
        catalog.apply("geo", Specs.spec("geo", 2, "l2"), 0, 1);
        if (catalogLoaded) {
            catalog.markLoaded();
        }
        writer.onWrite(
                (topic, w) -> {
                    if (topic.equals(topics.collections())) {
                        String name = new String(w.entry().key(), StandardCharsets.UTF_8);
                        byte[] value = w.entry().value();
                        catalog.apply(
                                name,
                                value == null ? null : CollectionSpecs.decode(name, value),
                                w.partition(),
                                w.offset());
                    }
                });
        services =
                QueryServices.builder()
                        .catalog(catalog)
                        .writer(writer)
                        .searcher(searcher)
                        .directory(directory)
                        .topics(topics)
                        .settings(new HttpSettings(MAX_BODY, MAX_BATCH, TIMEOUT_MS))
                        .points(points)
                        .build();
        http = new HttpExchange(services);
    }
}
