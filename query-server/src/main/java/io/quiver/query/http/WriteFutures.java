package io.quiver.query.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Bounds a Kafka write by the request timeout and turns its failures into 503 answers. */
final class WriteFutures {

    private WriteFutures() {}

    static <T> CompletableFuture<T> bounded(
            CompletableFuture<T> write, long timeoutMs, String what) {
        return write.orTimeout(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS)
                .handle(
                        (value, failure) -> {
                            if (failure == null) {
                                return value;
                            }
                            Throwable t = ErrorResponses.unwrap(failure);
                            if (t instanceof QuiverHttpException q) {
                                throw q;
                            }
                            if (t instanceof TimeoutException) {
                                throw new UnavailableException(
                                        "kafka_timeout",
                                        what
                                                + " was not acknowledged within "
                                                + timeoutMs
                                                + " ms; it may have been applied in part, and"
                                                + " retrying is safe",
                                        t);
                            }
                            throw new UnavailableException(
                                    "kafka_unavailable", what + " failed: " + t.getMessage(), t);
                        });
    }
}
