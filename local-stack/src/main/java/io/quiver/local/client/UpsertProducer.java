package io.quiver.local.client;

import io.quiver.schemas.Topics;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.record.UpsertCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes upserts straight to the upsert topic as a user's producer would: Avro single-object
 * records keyed {@code collection/id}, {@code acks=all}, idempotent. Not thread-safe beyond what
 * {@link KafkaProducer} is.
 */
public final class UpsertProducer implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    /**
     * @param lingerMs how long a batch may wait for more records: a few ms for throughput, 0 for a
     *     latency probe
     */
    public UpsertProducer(String bootstrapServers, String topicPrefix, int lingerMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        this.producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = new Topics(topicPrefix).upserts();
    }

    /**
     * Sends one upsert; blocks only while the producer's buffer is full (which is how "as fast as
     * the broker takes them" is paced). {@code payloadJson} may be null.
     */
    public void send(
            String collection, String id, float[] vector, String payloadJson, Callback done) {
        producer.send(record(collection, id, vector, payloadJson), done);
    }

    /**
     * Sends one upsert and waits for its acknowledgement, so that connecting, fetching metadata and
     * the idempotent producer's handshake are done before anything is timed.
     */
    public void warmUp(String collection, String id, float[] vector)
            throws InterruptedException, ExecutionException {
        producer.send(record(collection, id, vector, null)).get();
    }

    private ProducerRecord<byte[], byte[]> record(
            String collection, String id, float[] vector, String payloadJson) {
        List<Float> v = new ArrayList<>(vector.length);
        for (float f : vector) {
            v.add(f);
        }
        UpsertRecord record =
                UpsertRecord.newBuilder()
                        .setCollection(collection)
                        .setId(id)
                        .setOp(Op.UPSERT)
                        .setVector(v)
                        .setPayload(payloadJson)
                        .setVersion(null)
                        .build();
        byte[] key = Topics.pointKey(collection, id).getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(topic, key, UpsertCodec.encodeAvro(record));
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
