package io.quiver.query.http;

/**
 * The request is well-formed but asks for something the collection or the limits do not allow:
 * wrong dimension, non-finite component, {@code limit} out of range. Fix the request.
 */
public final class InvalidRequestException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    public InvalidRequestException(String code, String message) {
        super(code, message);
    }
}
