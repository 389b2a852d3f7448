package io.quiver.schemas.rpc;

import java.util.List;
import java.util.Objects;

/**
 * Several searches sent to one shard server in one frame (a batch search over HTTP), answered by
 * one {@link SearchBatchResponse} holding a {@link SearchResponse} per search, in the same order.
 * Each search keeps its own shards, parameters, required offsets and timeout; the searches' request
 * ids are ignored, the batch's id matches the answer.
 */
public final class SearchBatchRequest {

    /** Bounds the work one frame can ask for; HTTP batches are smaller. */
    public static final int MAX_SEARCHES = 1_000;

    private final long requestId;
    private final List<SearchRequest> searches;

    public SearchBatchRequest(long requestId, List<SearchRequest> searches) {
        this.requestId = requestId;
        this.searches = List.copyOf(Objects.requireNonNull(searches, "searches"));
        if (this.searches.isEmpty() || this.searches.size() > MAX_SEARCHES) {
            throw new IllegalArgumentException(
                    "a search batch holds 1 to "
                            + MAX_SEARCHES
                            + " searches, got "
                            + this.searches.size());
        }
    }

    public long requestId() {
        return requestId;
    }

    public List<SearchRequest> searches() {
        return searches;
    }
}
