package io.quiver.query.http;

/**
 * Some shards did not apply the offsets a read-your-writes request needed before its deadline.
 * Answered 504 so the client never mistakes stale data for fresh; retrying later, or with a longer
 * {@code timeout_ms}, may succeed. For a write with {@code ?wait=true} the write itself was
 * acknowledged: the message carries its token.
 */
public final class ConsistencyTimeoutException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    public ConsistencyTimeoutException(String message) {
        super("consistency_timeout", message);
    }
}
