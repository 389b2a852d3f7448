package io.quiver.query.http;

/** The request body exceeds the server's configured limit. Send less per request. */
public final class BodyTooLargeException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    public BodyTooLargeException(long maxBytes) {
        super(
                "body_too_large",
                "request body exceeds the limit of " + maxBytes + " bytes; send smaller batches");
    }
}
