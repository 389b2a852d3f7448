package io.quiver.chaos;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * An ordinary Kafka producer writing the suite's upserts and deletes as JSON records, paced to a
 * rate so that faults land in the middle of the stream. Ids are {@code <prefix><n>}; every tenth id
 * (n % 10 == 5) is deleted again 50 records later (or at the end), so 10% of the upserts end up
 * deleted. Sends that Kafka never acknowledges are counted, not retried by hand: the producer's own
 * retries (idempotent, acks=all) ride out a broker restart.
 */
final class Ingest implements AutoCloseable {

    static final int DELETE_LAG = 50;

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final String collection;
    private final Vectors vectors;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile Exception lastFailure;

    Ingest(String bootstrap, String topic, String collection, Vectors vectors) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000);
        this.producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.collection = collection;
        this.vectors = vectors;
    }

    static boolean isDeleted(int n) {
        return n % 10 == 5;
    }

    /**
     * Writes upserts {@code prefix0..prefix(count-1)} and their deletes at about {@code rate}/s.
     */
    void run(String prefix, int count, double rate) throws InterruptedException {
        long start = System.nanoTime();
        for (int n = 0; n < count; n++) {
            upsert(prefix + n);
            int old = n - DELETE_LAG;
            if (old >= 0 && isDeleted(old)) {
                delete(prefix + old);
            }
            pace(start, n + 1, rate);
        }
        for (int old = Math.max(0, count - DELETE_LAG); old < count; old++) {
            if (isDeleted(old)) {
                delete(prefix + old);
            }
        }
        producer.flush();
    }

    /** Expected live ids and deleted ids of {@link #run}. */
    static List<List<String>> expected(String prefix, int count) {
        List<String> live = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            (isDeleted(n) ? deleted : live).add(prefix + n);
        }
        return List.of(live, deleted);
    }

    void upsert(String id) {
        send(
                id,
                "{\"collection\":\""
                        + collection
                        + "\",\"id\":\""
                        + id
                        + "\",\"vector\":"
                        + vectors.json(id)
                        + "}");
    }

    void delete(String id) {
        send(id, "{\"collection\":\"" + collection + "\",\"id\":\"" + id + "\",\"op\":\"delete\"}");
    }

    /** Sends raw bytes under {@code key}, counting acknowledgements. */
    void sendRaw(String key, byte[] value) {
        sent.incrementAndGet();
        producer.send(
                new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value),
                (meta, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        lastFailure = e;
                    }
                });
    }

    private void send(String id, String json) {
        sendRaw(collection + "/" + id, json.getBytes(StandardCharsets.UTF_8));
    }

    private static void pace(long startNanos, int done, double rate) throws InterruptedException {
        if (rate <= 0) {
            return;
        }
        long due = startNanos + (long) (done / rate * 1e9);
        long wait = due - System.nanoTime();
        if (wait > 1_000_000) {
            Thread.sleep(wait / 1_000_000);
        }
    }

    void flush() {
        producer.flush();
    }

    long sent() {
        return sent.get();
    }

    long acked() {
        return acked.get();
    }

    long failed() {
        return failed.get();
    }

    Exception lastFailure() {
        return lastFailure;
    }

    @Override
    public void close() {
        producer.close();
    }
}
