package io.quiver.schemas.rpc;

import java.util.Objects;

/**
 * Asks a shard server for the exact number of live points of {@code collection} on each of {@code
 * shards} that pass {@code filter} (UTF-8 JSON in the syntax of {@code io.quiver.schemas.filter};
 * empty for every point). Answered with a {@link CountResponse}.
 */
public final class CountRequest {

    private final long requestId;
    private final String collection;
    private final int[] shards;
    private final byte[] filter;

    public CountRequest(long requestId, String collection, int[] shards, byte[] filter) {
        this.requestId = requestId;
        this.collection = Objects.requireNonNull(collection, "collection");
        this.shards = Objects.requireNonNull(shards, "shards");
        this.filter = filter == null ? new byte[0] : filter;
    }

    public long requestId() {
        return requestId;
    }

    public String collection() {
        return collection;
    }

    public int[] shards() {
        return shards;
    }

    /** The filter as UTF-8 JSON, empty for none. */
    public byte[] filter() {
        return filter;
    }
}
