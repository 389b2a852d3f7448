package io.quiver.job.kafka;

import io.quiver.schemas.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
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
