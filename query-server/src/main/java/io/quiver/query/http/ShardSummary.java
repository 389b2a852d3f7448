package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.quiver.query.internal.Json;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.routing.ShardInfo;
import io.quiver.query.routing.ShardState;
import java.util.Locale;

/**
 * The directory's view in answers: how many shards are ready, and each other shard with its state
 * ({@code {"shard":4,"state":"recovering"}}).
 */
record ShardSummary(int total, int ready, ArrayNode notReady) {

    static ShardSummary of(ShardDirectory directory) {
        int ready = 0;
        ArrayNode notReady = Json.MAPPER.createArrayNode();
        for (ShardInfo s : directory.shards()) {
            if (s.searchable()) {
                ready++;
            } else {
                // READY without an endpoint cannot be searched: report it as unknown.
                ShardState state = s.state() == ShardState.READY ? ShardState.UNKNOWN : s.state();
                notReady.addObject()
                        .put("shard", s.shard())
                        .put("state", state.name().toLowerCase(Locale.ROOT));
            }
        }
        return new ShardSummary(directory.numShards(), ready, notReady);
    }
}
