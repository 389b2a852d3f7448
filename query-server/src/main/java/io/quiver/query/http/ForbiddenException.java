package io.quiver.query.http;

/**
 * The API key is valid but lacks the scope this request needs for its collection: 403. Retrying
 * with the same key will not succeed; the message names the scope and the collection.
 */
public final class ForbiddenException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    public ForbiddenException(String code, String message) {
        super(code, message);
    }
}
