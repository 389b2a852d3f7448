package io.quiver.query.http;

/**
 * The API key has used up its rate limit: 429 with {@code Retry-After}. Retrying after {@link
 * #retryAfterSeconds()} succeeds if the key's request rate stays within its limit.
 */
public final class TooManyRequestsException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    private final long retryAfterSeconds;

    public TooManyRequestsException(String code, String message, long retryAfterSeconds) {
        super(code, message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Whole seconds until a token is free again, rounded up, at least 1. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
