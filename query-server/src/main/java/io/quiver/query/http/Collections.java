package io.quiver.query.http;

import io.quiver.query.catalog.CollectionCatalog;
import io.quiver.schemas.avro.CollectionSpec;

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

    static UnavailableException catalogLoading() {
        return new UnavailableException(
                "catalog_loading",
                "the collection catalog is still loading from Kafka; retry in a moment");
    }
}
