package io.quiver.query.consistency;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Reads where a topic ends now: the seam strong consistency needs from Kafka. */
public interface EndOffsets {

    /**
     * The offset of the last record in every non-empty partition of {@code topic}, as of the call.
     * Completes exceptionally when Kafka cannot answer.
     */
    CompletableFuture<Map<Integer, Long>> lastOffsets(String topic);

    /** For a deployment or test with no strong reads: every partition counts as empty. */
    static EndOffsets none() {
        return topic -> CompletableFuture.completedFuture(Map.of());
    }
}
