package io.quiver.query.write;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Writes records to a Kafka topic and reports where they landed. The seam between the HTTP handlers
 * and the producer, so handlers can be tested without a broker.
 */
public interface TopicWriter extends AutoCloseable {

    /** One record to write; {@code value} null is a tombstone. */
    record Entry(byte[] key, byte[] value) {}

    /**
     * Sends {@code records} in order and completes once all are acknowledged, with the highest
     * offset written per partition. Fails if any record fails; records sent before the failure may
     * have been written all the same.
     */
    CompletableFuture<Map<Integer, Long>> write(String topic, List<Entry> records);

    @Override
    void close();
}
