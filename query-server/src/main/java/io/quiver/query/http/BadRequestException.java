package io.quiver.query.http;

/** The request cannot be read: malformed JSON, wrong types, unknown fields. Fix the request. */
public final class BadRequestException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    public BadRequestException(String code, String message) {
        super(code, message);
    }
}
