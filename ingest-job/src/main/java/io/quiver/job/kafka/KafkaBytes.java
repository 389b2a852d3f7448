package io.quiver.job.kafka;

/**
 * One Kafka record as the job reads it: key and value bytes untouched (so a rejected record can be
 * dead-lettered exactly as it was produced), plus where it came from. A Flink POJO.
 */
public final class KafkaBytes {

    public byte[] key;
    public byte[] value;
    public int partition;
    public long offset;

    public KafkaBytes() {}

    public KafkaBytes(byte[] key, byte[] value, int partition, long offset) {
        this.key = key;
        this.value = value;
        this.partition = partition;
        this.offset = offset;
    }
}
