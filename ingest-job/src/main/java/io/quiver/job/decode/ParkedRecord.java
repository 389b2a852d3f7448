package io.quiver.job.decode;

import io.quiver.job.kafka.KafkaBytes;

/**
 * A well-formed record waiting for its collection's spec, with the wall-clock time it was parked
 * (kept across restarts, so the grace period does not restart with the job). A Flink POJO.
 */
public final class ParkedRecord {

    public String collection;
    public KafkaBytes record;
    public long parkedAtMillis;

    public ParkedRecord() {}

    public ParkedRecord(String collection, KafkaBytes record, long parkedAtMillis) {
        this.collection = collection;
        this.record = record;
        this.parkedAtMillis = parkedAtMillis;
    }
}
