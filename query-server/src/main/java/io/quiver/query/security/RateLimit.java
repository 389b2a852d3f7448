package io.quiver.query.security;

/**
 * A token bucket: {@code burst} requests at once, refilled at {@code requestsPerSecond}. A client
 * that keeps under the rate never waits; one that sends faster gets 429 once the burst is spent.
 */
public record RateLimit(double requestsPerSecond, long burst) {

    /** No limit at all. */
    public static final RateLimit UNLIMITED = new RateLimit(Double.POSITIVE_INFINITY, 0);

    /**
     * Per key unless its entry says otherwise: enough for an application's steady search traffic
     * from one key, while one runaway client cannot take the whole server.
     */
    public static final RateLimit DEFAULT = new RateLimit(500, 1000);

    public RateLimit {
        if (!isUnlimited(requestsPerSecond)) {
            if (!(requestsPerSecond > 0) || requestsPerSecond > 1_000_000) {
                throw new IllegalArgumentException(
                        "requests_per_second must be above 0 and at most 1000000, got "
                                + requestsPerSecond);
            }
            if (burst < 1 || burst > 10_000_000) {
                throw new IllegalArgumentException("burst must be 1-10000000, got " + burst);
            }
        }
    }

    public boolean unlimited() {
        return isUnlimited(requestsPerSecond);
    }

    private static boolean isUnlimited(double rate) {
        return rate == Double.POSITIVE_INFINITY;
    }

    @Override
    public String toString() {
        return unlimited() ? "unlimited" : requestsPerSecond + " requests/s, burst " + burst;
    }
}
