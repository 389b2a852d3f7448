package io.quiver.job.bulk;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * How far a topic bulk load read: per partition of the topic, the next offset, i.e. the end offset
 * observed when the load started. The load reads every record below it and writes it as {@value
 * #FILE_NAME} (Java properties: {@code topic} and {@code partition.<n>=<next offset>}) into its
 * savepoint directory; a streaming job restored from that savepoint starts its upserts source there
 * (see {@code QuiverJob#build}), so no record is applied twice and none is skipped.
 */
public final class LoadedOffsets {

    /** The file's name inside the savepoint directory. */
    public static final String FILE_NAME = "quiver-loaded-offsets.properties";

    private static final String TOPIC = "topic";
    private static final String PARTITION = "partition.";

    private final String topic;
    private final Map<Integer, Long> next;

    public LoadedOffsets(String topic, Map<Integer, Long> next) {
        this.topic = topic;
        this.next = new TreeMap<>(next);
    }

    public String topic() {
        return topic;
    }

    /** Partition to the first offset not loaded. */
    public Map<Integer, Long> next() {
        return next;
    }

    /**
     * The end offsets of every partition of {@code topic} now, read with {@code clientProperties}
     * (bootstrap servers and any security settings; {@code isolation.level} decides whether open
     * transactions count).
     */
    public static LoadedOffsets endOf(String topic, Properties clientProperties) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("topic '" + topic + "' does not exist");
            }
            infos.forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            Map<Integer, Long> next = new TreeMap<>();
            consumer.endOffsets(partitions, Duration.ofSeconds(30))
                    .forEach((tp, offset) -> next.put(tp.partition(), offset));
            return new LoadedOffsets(topic, next);
        }
    }

    /** Total records below the end offsets (including any removed by retention). */
    public long total() {
        long sum = 0;
        for (long n : next.values()) {
            sum += n;
        }
        return sum;
    }

    /** Writes {@value #FILE_NAME} into {@code savepointDir} (a path or URI). */
    public void writeTo(String savepointDir) throws IOException {
        Properties p = new Properties();
        p.setProperty(TOPIC, topic);
        next.forEach(
                (partition, offset) -> p.setProperty(PARTITION + partition, offset.toString()));
        Path file = new Path(savepointDir, FILE_NAME);
        try (OutputStream out = file.getFileSystem().create(file, FileSystem.WriteMode.OVERWRITE)) {
            p.store(out, "next offset per partition after a Quiver bulk load");
        }
    }

    /**
     * The offsets a bulk load left in {@code savepointDir}, or null when it holds none (any other
     * savepoint or checkpoint).
     *
     * @throws IOException when the file exists but cannot be read or parsed
     */
    public static LoadedOffsets readFrom(String savepointDir) throws IOException {
        Path file = new Path(savepointDir, FILE_NAME);
        FileSystem fs = file.getFileSystem();
        if (!fs.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = fs.open(file)) {
            p.load(in);
        }
        String topic = p.getProperty(TOPIC);
        if (topic == null) {
            throw new IOException(file + " names no topic");
        }
        Map<Integer, Long> next = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith(PARTITION)) {
                try {
                    next.put(
                            Integer.parseInt(key.substring(PARTITION.length())),
                            Long.parseLong(p.getProperty(key).trim()));
                } catch (NumberFormatException e) {
                    throw new IOException(file + " has a bad entry " + key, e);
                }
            }
        }
        return new LoadedOffsets(topic, next);
    }

    @Override
    public String toString() {
        return topic + " " + next;
    }
}
