package io.quiver.query.write;

import io.quiver.query.internal.NamedThreadFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A {@link TopicWriter} on one shared {@link KafkaProducer} with {@code acks=all} and idempotence,
 * so an acknowledged record is durable and a producer retry never duplicates it.
 *
 * <p>{@code send()} may block while the producer fetches metadata or waits for buffer space, so
 * calls run on a small pool of their own and never on a Netty event loop; {@code max.block.ms} is
 * bounded by the request timeout.
 */
public final class KafkaTopicWriter implements TopicWriter {

    private static final int SEND_THREADS = 2;
    private static final int MAX_QUEUED_BATCHES = 10_000;

    private final KafkaProducer<byte[], byte[]> producer;
    private final ExecutorService sender;

    /**
     * @param kafkaProperties at least {@code bootstrap.servers}; may override producer settings
     * @param requestTimeout bounds how long a send may block on metadata
     */
    public KafkaTopicWriter(Properties kafkaProperties, Duration requestTimeout) {
        Properties p = new Properties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // A few ms of linger lets one HTTP batch go out in few produce requests.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, requestTimeout.toMillis());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "quiver-query-writer");
        p.putAll(kafkaProperties);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
        this.sender =
                new ThreadPoolExecutor(
                        SEND_THREADS,
                        SEND_THREADS,
                        0,
                        TimeUnit.MILLISECONDS,
                        new LinkedBlockingQueue<>(MAX_QUEUED_BATCHES),
                        new NamedThreadFactory("quiver-kafka-send"));
    }

    @Override
    public CompletableFuture<Map<Integer, Long>> write(String topic, List<Entry> records) {
        CompletableFuture<Map<Integer, Long>> result = new CompletableFuture<>();
        try {
            sender.execute(() -> sendAll(topic, records, result));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private void sendAll(
            String topic, List<Entry> records, CompletableFuture<Map<Integer, Long>> result) {
        Map<Integer, Long> offsets = new TreeMap<>();
        int[] pending = {records.size()};
        if (records.isEmpty()) {
            result.complete(offsets);
            return;
        }
        try {
            for (Entry e : records) {
                producer.send(
                        new ProducerRecord<>(topic, e.key(), e.value()),
                        (metadata, failure) -> {
                            synchronized (offsets) {
                                if (failure != null) {
                                    result.completeExceptionally(failure);
                                    return;
                                }
                                offsets.merge(metadata.partition(), metadata.offset(), Math::max);
                                if (--pending[0] == 0) {
                                    result.complete(new TreeMap<>(offsets));
                                }
                            }
                        });
                if (result.isDone()) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    @Override
    public void close() {
        sender.shutdown();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
