package io.quiver.job.kafka;

import io.quiver.schemas.record.Reason;

/**
 * A record the job refused, on its way to the dead-letter topic: the original key and value bytes,
 * the reason, and where it came from. A Flink POJO.
 */
public final class DeadLetter {

    public byte[] key;
    public byte[] value;

    /** A {@link Reason} name. */
    public String reason;

    public String message;
    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;

    public DeadLetter() {}

    public DeadLetter(KafkaBytes record, String sourceTopic, Reason reason, String message) {
        this.key = record.key;
        this.value = record.value;
        this.reason = reason.name();
        this.message = message;
        this.sourceTopic = sourceTopic;
        this.sourcePartition = record.partition;
        this.sourceOffset = record.offset;
    }
}
