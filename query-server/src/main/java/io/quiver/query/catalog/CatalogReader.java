package io.quiver.query.catalog;

import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread that reads the compacted collections topic from the beginning, without a consumer
 * group (every query server needs all of it), and feeds a {@link CollectionCatalog}.
 *
 * <p>It waits for the topic to exist, marks the catalog loaded once it has read up to the end
 * offsets found at start, and re-checks the partition count now and then so partitions added later
 * are read too. Records whose value is not a valid spec are skipped with one WARN each: the job
 * would skip them as well.
 */
public final class CatalogReader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CatalogReader.class);

    private static final Duration POLL = Duration.ofMillis(200);
    private static final long PARTITION_RECHECK_NANOS = Duration.ofSeconds(10).toNanos();

    private final String topic;
    private final CollectionCatalog catalog;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param kafkaProperties at least {@code bootstrap.servers}; deserializers, offsets and group
     *     settings are set here
     */
    public CatalogReader(Properties kafkaProperties, String topic, CollectionCatalog catalog) {
        this.topic = topic;
        this.catalog = catalog;
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "quiver-query-catalog");
        this.consumer = new KafkaConsumer<>(p);
        this.thread = new Thread(this::run, "quiver-catalog-reader");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            List<TopicPartition> partitions = awaitPartitions();
            if (partitions == null) {
                return;
            }
            Map<TopicPartition, Long> loadTarget = consumer.endOffsets(partitions);
            long nextRecheck = System.nanoTime() + PARTITION_RECHECK_NANOS;
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    apply(r);
                }
                for (TopicPartition tp : partitions) {
                    catalog.advance(tp.partition(), consumer.position(tp));
                }
                if (!catalog.isLoaded() && reached(loadTarget)) {
                    catalog.markLoaded();
                    LOG.info(
                            "Collection catalog loaded from '{}': {} collection(s)",
                            topic,
                            catalog.list().size());
                }
                if (System.nanoTime() > nextRecheck) {
                    nextRecheck = System.nanoTime() + PARTITION_RECHECK_NANOS;
                    List<TopicPartition> now = partitionsOf(Duration.ofSeconds(5));
                    if (now.size() > partitions.size()) {
                        List<TopicPartition> added = new ArrayList<>(now);
                        added.removeAll(partitions);
                        partitions = now;
                        consumer.assign(partitions);
                        consumer.seekToBeginning(added);
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("Collection catalog reader woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("Collection catalog reader of '{}' stopped", topic, e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
            catalog.close();
        }
    }

    /** Assigns every partition of the topic once it exists; null when closed meanwhile. */
    private List<TopicPartition> awaitPartitions() {
        boolean warned = false;
        while (running) {
            List<TopicPartition> partitions = partitionsOf(Duration.ofSeconds(5));
            if (!partitions.isEmpty()) {
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                return partitions;
            }
            if (!warned) {
                LOG.warn("Collections topic '{}' does not exist yet; waiting for it", topic);
                warned = true;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private List<TopicPartition> partitionsOf(Duration timeout) {
        List<TopicPartition> out = new ArrayList<>();
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos != null) {
                infos.forEach(i -> out.add(new TopicPartition(topic, i.partition())));
            }
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            LOG.debug("No metadata for '{}' yet", topic, e);
        }
        return out;
    }

    private boolean reached(Map<TopicPartition, Long> target) {
        Map<TopicPartition, Long> copy = new HashMap<>(target);
        for (Map.Entry<TopicPartition, Long> e : copy.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            LOG.warn("Skipping a record without key at {}-{}@{}", topic, r.partition(), r.offset());
            catalog.advance(r.partition(), r.offset() + 1);
            return;
        }
        String name = new String(r.key(), StandardCharsets.UTF_8);
        CollectionSpec spec = null;
        if (r.value() != null) {
            try {
                spec = CollectionSpecs.decode(name, r.value());
            } catch (IllegalArgumentException e) {
                LOG.warn(
                        "Skipping invalid spec for '{}' at {}-{}@{}: {}",
                        name,
                        topic,
                        r.partition(),
                        r.offset(),
                        e.getMessage());
                catalog.advance(r.partition(), r.offset() + 1);
                return;
            }
        }
        catalog.apply(name, spec, r.partition(), r.offset());
    }

    /** Stops the thread and closes the consumer; waits up to a few seconds. */
    @Override
    public void close() {
        running = false;
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(Duration.ZERO);
            catalog.close();
            return;
        }
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
