package io.quiver.query.security;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.quiver.query.http.ForbiddenException;
import io.quiver.query.http.RequestGuard;
import io.quiver.query.http.TooManyRequestsException;
import io.quiver.query.http.UnauthorizedException;
import io.quiver.query.metrics.QueryMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * API-key access control: finds the request's key ({@code Authorization: Bearer <key>}, else
 * Qdrant's {@code api-key: <key>}), takes a token from the key's bucket, then checks the scope
 * {@link AccessRule} asks for. Answers 401 without a known key, 429 over the rate limit, 403
 * without the scope. Every rejection is counted in {@code quiver_auth_rejections_total} by key name
 * ({@code none} or {@code unknown} without a valid key) and reason. Thread-safe; never blocks.
 */
public final class AccessControl implements RequestGuard {

    static final String API_KEY_HEADER = "api-key";
    private static final String BEARER = "bearer ";

    private final ApiKeys keys;
    private final boolean metricsOpen;
    private final QueryMetrics metrics;
    private final Map<String, Bucket> buckets = new HashMap<>();

    /**
     * @param metricsOpen whether {@code GET /metrics} needs no key
     */
    public AccessControl(ApiKeys keys, boolean metricsOpen, QueryMetrics metrics) {
        this(keys, metricsOpen, metrics, TimeMeter.SYSTEM_NANOTIME);
    }

    /** With the clock the buckets refill by; tests pass one they move by hand. */
    AccessControl(ApiKeys keys, boolean metricsOpen, QueryMetrics metrics, TimeMeter clock) {
        this.keys = keys;
        this.metricsOpen = metricsOpen;
        this.metrics = metrics;
        for (ApiKey k : keys.keys()) {
            RateLimit limit = k.rateLimit();
            if (limit.unlimited()) {
                continue;
            }
            // One token per period is exact for any rate, also below one request per second.
            long periodNanos = Math.max(1, Math.round(1e9 / limit.requestsPerSecond()));
            buckets.put(
                    k.name(),
                    Bucket.builder()
                            .addLimit(
                                    l ->
                                            l.capacity(limit.burst())
                                                    .refillGreedy(1, Duration.ofNanos(periodNanos)))
                            .withCustomTimePrecision(clock)
                            .build());
        }
    }

    @Override
    public void check(HttpMethod method, String uri, HttpHeaders headers) {
        AccessRule rule = AccessRule.of(method, uri, metricsOpen);
        if (rule.open()) {
            return;
        }
        String presented = presentedKey(headers);
        if (presented == null) {
            metrics.authRejected("none", "unauthenticated");
            throw new UnauthorizedException(
                    "missing_api_key",
                    "this server needs an API key: send 'Authorization: Bearer <key>' or"
                            + " 'api-key: <key>'");
        }
        ApiKey key = keys.find(presented);
        if (key == null) {
            metrics.authRejected("unknown", "unauthenticated");
            throw new UnauthorizedException("invalid_api_key", "the API key is not valid");
        }
        Bucket bucket = buckets.get(key.name());
        if (bucket != null) {
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                metrics.authRejected(key.name(), "rate_limited");
                long seconds =
                        Math.max(1, ceilDiv(probe.getNanosToWaitForRefill(), 1_000_000_000L));
                throw new TooManyRequestsException(
                        "rate_limited",
                        "API key '"
                                + key.name()
                                + "' is over its rate limit ("
                                + key.rateLimit()
                                + "); retry in "
                                + seconds
                                + " s",
                        seconds);
            }
        }
        if (rule.scope() == null) {
            return;
        }
        boolean allowed =
                rule.collection() == null
                        ? key.allowsSomewhere(rule.scope())
                        : key.allows(rule.scope(), rule.collection());
        if (!allowed) {
            metrics.authRejected(key.name(), "forbidden");
            throw new ForbiddenException(
                    "missing_scope",
                    "API key '"
                            + key.name()
                            + "' lacks the '"
                            + rule.scope().label()
                            + "' scope "
                            + (rule.collection() == null
                                    ? "(in any collection) that this request needs"
                                    : "for collection '" + rule.collection() + "'"));
        }
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    /** The key from {@code Authorization: Bearer}, else from {@code api-key}, else null. */
    static String presentedKey(HttpHeaders headers) {
        String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null
                && auth.length() > BEARER.length()
                && auth.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String key = auth.substring(BEARER.length()).trim();
            if (!key.isEmpty()) {
                return key;
            }
        }
        String key = headers.get(API_KEY_HEADER);
        return key == null || key.isBlank() ? null : key.trim();
    }
}
