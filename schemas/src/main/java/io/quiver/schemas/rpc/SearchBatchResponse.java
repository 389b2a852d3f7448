package io.quiver.schemas.rpc;

import java.util.List;
import java.util.Objects;

/** A shard server's answer to a {@link SearchBatchRequest}: one response per search, in order. */
public final class SearchBatchResponse {

    private final long requestId;
    private final List<SearchResponse> responses;

    public SearchBatchResponse(long requestId, List<SearchResponse> responses) {
        this.requestId = requestId;
        this.responses = List.copyOf(Objects.requireNonNull(responses, "responses"));
    }

    public long requestId() {
        return requestId;
    }

    public List<SearchResponse> responses() {
        return responses;
    }
}
