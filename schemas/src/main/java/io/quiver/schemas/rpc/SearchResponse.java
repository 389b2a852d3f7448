package io.quiver.schemas.rpc;

import java.util.List;
import java.util.Objects;

/**
 * A shard server's answer to one {@link SearchRequest}: one {@link ShardResult} per shard asked.
 */
public final class SearchResponse {

    private final long requestId;
    private final List<ShardResult> shards;

    public SearchResponse(long requestId, List<ShardResult> shards) {
        this.requestId = requestId;
        this.shards = List.copyOf(Objects.requireNonNull(shards, "shards"));
    }

    public long requestId() {
        return requestId;
    }

    public List<ShardResult> shards() {
        return shards;
    }
}
