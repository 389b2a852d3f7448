package io.quiver.query.http;

/**
 * The request carries no API key, or one the server does not know: 401 with a {@code
 * WWW-Authenticate} header. Retrying with a valid key in {@code Authorization: Bearer <key>} or
 * {@code api-key: <key>} may succeed; the same request again will not.
 */
public final class UnauthorizedException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    /** The {@code WWW-Authenticate} challenge sent with every 401. */
    public static final String CHALLENGE = "Bearer realm=\"quiver\"";

    public UnauthorizedException(String code, String message) {
        super(code, message);
    }
}
