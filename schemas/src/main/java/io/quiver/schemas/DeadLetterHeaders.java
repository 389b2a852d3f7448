package io.quiver.schemas;

/**
 * Header names on a dead-letter record. Its key and value are the original record's bytes,
 * unchanged, so a fixed record can be produced again as it is.
 */
public final class DeadLetterHeaders {

    /** A stable machine-readable code, one of {@code io.quiver.schemas.record.Reason}. */
    public static final String REASON_CODE = "quiver.error.code";

    /** A human-readable sentence saying what was wrong. */
    public static final String REASON = "quiver.error.reason";

    public static final String SOURCE_TOPIC = "quiver.source.topic";
    public static final String SOURCE_PARTITION = "quiver.source.partition";
    public static final String SOURCE_OFFSET = "quiver.source.offset";

    private DeadLetterHeaders() {}
}
