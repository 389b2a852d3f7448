package io.quiver.schemas.rpc;

import java.util.Objects;

/**
 * Asks the shard server for one point of {@code collection}, on the one shard that holds it ({@code
 * ShardKeys#shardOf(collection, id)}). Answered with a {@link GetPointResponse}.
 */
public record GetPointRequest(long requestId, String collection, int shard, String id) {

    public GetPointRequest {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(id, "id");
    }
}
