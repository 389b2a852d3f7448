package io.quiver.job.kafka;

import io.quiver.schemas.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a {@link DeadLetter} with the original key and value and the {@link DeadLetterHeaders}
 * (UTF-8 text values), so a fixed record can be produced again as it is.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    /**
     * A sink writing dead letters to {@code topic}, at least once: after a failure a refused record
     * may be written twice, never not at all.
     *
     * @param clientProperties extra Kafka client settings (SASL, TLS, ...)
     */
    public static KafkaSink<DeadLetter> sink(
            Properties clientProperties, String bootstrapServers, String topic) {
        return KafkaSink.<DeadLetter>builder()
                .setKafkaProducerConfig(clientProperties)
                .setBootstrapServers(bootstrapServers)
                .setRecordSerializer(new DeadLetterSerializer(topic))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetterHeaders.REASON_CODE, utf8(letter.reason));
        headers.add(DeadLetterHeaders.REASON, utf8(letter.message));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(letter.sourceTopic));
        headers.add(
                DeadLetterHeaders.SOURCE_PARTITION, utf8(String.valueOf(letter.sourcePartition)));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, utf8(String.valueOf(letter.sourceOffset)));
        return new ProducerRecord<>(topic, null, null, letter.key, letter.value, headers);
    }

    private static byte[] utf8(String s) {
        return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
    }
}
