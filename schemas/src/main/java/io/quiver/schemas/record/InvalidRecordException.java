package io.quiver.schemas.record;

/**
 * A record that can never be accepted as it is: retrying it will fail again. The message names the
 * bad value; {@link #reason()} is the stable code.
 */
public final class InvalidRecordException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final Reason reason;

    public InvalidRecordException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public InvalidRecordException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
