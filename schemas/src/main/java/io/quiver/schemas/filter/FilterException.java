package io.quiver.schemas.filter;

/**
 * A filter that cannot be used. {@link #code()} is a stable lower-case code; {@link #malformed()}
 * tells a structural problem (wrong type, unknown or missing field: HTTP 400) from a rule it breaks
 * (too deep, no bound, unsupported value: HTTP 422). The message names the place, such as {@code
 * filter.must[2].range}.
 */
public final class FilterException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String code;
    private final boolean malformed;

    FilterException(String code, boolean malformed, String message) {
        super(message);
        this.code = code;
        this.malformed = malformed;
    }

    public String code() {
        return code;
    }

    public boolean malformed() {
        return malformed;
    }
}
