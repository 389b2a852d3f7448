package io.quiver.query.http;

/** The request contradicts existing state, e.g. a collection that exists with another spec. */
public final class ConflictException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    public ConflictException(String code, String message) {
        super(code, message);
    }
}
