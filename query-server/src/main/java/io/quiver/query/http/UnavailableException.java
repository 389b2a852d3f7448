package io.quiver.query.http;

/**
 * The request was fine but a dependency was not: no shard answered, Kafka did not acknowledge in
 * time, the catalog is still loading. Retrying later may succeed. A write that failed this way may
 * still have been applied in part; writes are idempotent by id, so retrying is safe.
 */
public final class UnavailableException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    public UnavailableException(String code, String message) {
        super(code, message);
    }

    public UnavailableException(String code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
