package io.quiver.query.testing;

import io.quiver.query.internal.Json;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Collection specs for tests. */
public final class Specs {

    private Specs() {}

    public static CollectionSpec spec(String name, int dimension, String metric) {
        try {
            return CollectionSpecs.fromJson(
                    name,
                    Json.MAPPER.readTree(
                            "{\"dimension\":" + dimension + ",\"metric\":\"" + metric + "\"}"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
