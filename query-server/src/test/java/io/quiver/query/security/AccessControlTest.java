package io.quiver.query.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bucket4j.TimeMeter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.quiver.query.http.TooManyRequestsException;
import io.quiver.query.metrics.QueryMetrics;
import org.junit.jupiter.api.Test;

/** The token buckets, against a clock the test moves by hand. */
class AccessControlTest {

    private static final String KEY = "bucket-key-0123456789";

    private final ManualClock clock = new ManualClock();
    private final QueryMetrics metrics = new QueryMetrics();

    private AccessControl control(String rateLimit) {
        ApiKeys keys =
                ApiKeys.fromJson(
                        "{\"keys\": [{\"name\": \"app\", \"key\": \""
                                + KEY
                                + "\", \"grants\": {\"*\": [\"read\"]}, \"rate_limit\": "
                                + rateLimit
                                + "}]}",
                        "test");
        return new AccessControl(keys, false, metrics, clock);
    }

    private static HttpHeaders headers() {
        return new DefaultHttpHeaders().set("Authorization", "Bearer " + KEY);
    }

    private static void get(AccessControl control) {
        control.check(HttpMethod.GET, "/collections/docs", headers());
    }

    @Test
    void refillsAtTheConfiguredRateAfterTheBurst() {
        AccessControl control = control("{\"requests_per_second\": 2, \"burst\": 4}");
        for (int i = 0; i < 4; i++) {
            get(control);
        }
        assertThatThrownBy(() -> get(control))
                .isInstanceOfSatisfying(
                        TooManyRequestsException.class,
                        e -> assertThat(e.retryAfterSeconds()).isEqualTo(1));

        clock.advanceMillis(500);
        get(control);
        assertThatThrownBy(() -> get(control)).isInstanceOf(TooManyRequestsException.class);

        clock.advanceMillis(10_000);
        for (int i = 0; i < 4; i++) {
            get(control);
        }
        assertThatThrownBy(() -> get(control)).isInstanceOf(TooManyRequestsException.class);
        assertThat(metrics.authRejectedCount("app", "rate_limited")).isEqualTo(3);
    }

    @Test
    void roundsRetryAfterUpToWholeSeconds() {
        AccessControl control = control("{\"requests_per_second\": 0.4, \"burst\": 1}");
        get(control);
        clock.advanceMillis(100);

        // The next token comes 2.4 s after the first request: 2.3 s from now, so 3.
        assertThatThrownBy(() -> get(control))
                .isInstanceOfSatisfying(
                        TooManyRequestsException.class,
                        e -> assertThat(e.retryAfterSeconds()).isEqualTo(3));
    }

    @Test
    void anUnlimitedKeyIsNeverThrottled() {
        AccessControl control = control("\"unlimited\"");
        for (int i = 0; i < 10_000; i++) {
            get(control);
        }
        assertThat(metrics.authRejectedCount("app", "rate_limited")).isZero();
    }

    @Test
    void readsTheKeyFromBearerFirstThenApiKey() {
        assertThat(
                        AccessControl.presentedKey(
                                new DefaultHttpHeaders()
                                        .set("Authorization", "Bearer  one ")
                                        .set("api-key", "two")))
                .isEqualTo("one");
        assertThat(
                        AccessControl.presentedKey(
                                new DefaultHttpHeaders()
                                        .set("Authorization", "Basic xyz")
                                        .set("api-key", "two")))
                .isEqualTo("two");
        assertThat(
                        AccessControl.presentedKey(
                                new DefaultHttpHeaders().set("Authorization", "Bearer ")))
                .isNull();
        assertThat(AccessControl.presentedKey(new DefaultHttpHeaders())).isNull();
    }

    private static final class ManualClock implements TimeMeter {
        private long nanos = 1_000_000_000L;

        void advanceMillis(long millis) {
            nanos += millis * 1_000_000L;
        }

        @Override
        public long currentTimeNanos() {
            return nanos;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }
}
