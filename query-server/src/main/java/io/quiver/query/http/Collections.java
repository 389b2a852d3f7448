package io.quiver.query.http;

import io.quiver.query.catalog.CollectionCatalog;
import io.quiver.query.write.TopicWriter;
import io.quiver.schemas.avro.CollectionSpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Looks collections up for endpoints that need one. */
final class Collections {

    private Collections() {}

    /**
     * The spec of {@code name}; 404 when unknown, 503 when the catalog has not finished loading
     * (the collection may exist all the same).
     */
    static CollectionSpec require(CollectionCatalog catalog, String name) {
        return catalog.get(name).orElseThrow(() -> missing(catalog, name));
    }

    static QuiverHttpException missing(CollectionCatalog catalog, String name) {
        if (!catalog.isLoaded()) {
            return catalogLoading();
        }
        return NotFoundException.collection(name);
    }

    /**
     * Writes {@code entry} (a spec, or a tombstone) to the collections topic and completes once
     * this server's catalog has read it back, both within the request timeout counted from {@code
     * startNanos}; failures are 503.
     */
    static CompletableFuture<Void> writeAndAwait(
            QueryServices services, long startNanos, TopicWriter.Entry entry, String what) {
        long timeoutMs = services.settings().requestTimeoutMs();
        long deadline = startNanos + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        CompletableFuture<Map<Integer, Long>> written =
                WriteFutures.bounded(
                        services.writer().write(services.topics().collections(), List.of(entry)),
                        timeoutMs,
                        what);
        return written.thenCompose(
                offsets -> {
                    Map.Entry<Integer, Long> at = offsets.entrySet().iterator().next();
                    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    return WriteFutures.bounded(
                            services.catalog().awaitSeen(at.getKey(), at.getValue()),
                            left,
                            "reading " + what + " back from Kafka");
                });
    }

    static UnavailableException catalogLoading() {
        return new UnavailableException(
                "catalog_loading",
                "the collection catalog is still loading from Kafka; retry in a moment");
    }
}
