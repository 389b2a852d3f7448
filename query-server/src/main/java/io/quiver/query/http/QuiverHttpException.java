package io.quiver.query.http;

/**
 * A request the server answers with an error. The subclass says what the caller should do (fix the
 * request, create the collection, retry later); {@link ErrorResponses} maps each subclass to its
 * HTTP status in one place, and {@link #code()} is the stable machine-readable code of the JSON
 * error body.
 */
public abstract class QuiverHttpException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String code;

    protected QuiverHttpException(String code, String message) {
        super(message);
        this.code = code;
    }

    protected QuiverHttpException(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** Stable lower-case code such as {@code malformed_json} or {@code dimension_mismatch}. */
    public String code() {
        return code;
    }
}
