package io.quiver.schemas.rpc;

import java.util.List;
import java.util.Objects;

/** A shard server's answer to a {@link CountRequest}: one {@link Count} per shard asked. */
public record CountResponse(long requestId, List<Count> shards) {

    /**
     * One shard's count; {@code count} is meaningful only with status {@code OK} (for {@code
     * UNKNOWN_COLLECTION} it is 0: the shard holds none of the collection's points).
     */
    public record Count(int shard, ShardResult.Status status, String message, long count) {

        public Count {
            Objects.requireNonNull(status, "status");
            message = message == null ? "" : message;
        }
    }

    public CountResponse {
        shards = List.copyOf(Objects.requireNonNull(shards, "shards"));
    }
}
