package io.quiver.job.kafka;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Keeps a Kafka record's bytes and position; parsing happens in the decode step. */
public final class KafkaBytesDeserializer implements KafkaRecordDeserializationSchema<KafkaBytes> {

    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<KafkaBytes> out) {
        out.collect(
                new KafkaBytes(record.key(), record.value(), record.partition(), record.offset()));
    }

    @Override
    public TypeInformation<KafkaBytes> getProducedType() {
        return TypeInformation.of(KafkaBytes.class);
    }
}
