package io.quiver.query.http;

/**
 * Limits of the HTTP API.
 *
 * @param maxBodyBytes largest request body; larger ones are answered 413
 * @param maxBatchPoints most points per upsert or delete request
 * @param requestTimeoutMs how long a write waits for Kafka, and a search for its shards (unless it
 *     sets {@code timeout_ms})
 */
public record HttpSettings(int maxBodyBytes, int maxBatchPoints, int requestTimeoutMs) {

    /** 32 MiB: a full batch of 1,000 vectors of 1,536 dimensions as JSON text fits. */
    public static final int DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

    public static final int DEFAULT_MAX_BATCH_POINTS = 1000;

    /** Long enough for a Kafka acknowledgement under load, short enough to fail fast. */
    public static final int DEFAULT_REQUEST_TIMEOUT_MS = 5000;

    /** Longest {@code timeout_ms} a search may ask for. */
    public static final int MAX_SEARCH_TIMEOUT_MS = 60_000;
}
