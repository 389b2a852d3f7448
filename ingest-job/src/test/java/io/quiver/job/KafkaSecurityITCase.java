package io.quiver.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.job.bulk.LoadedOffsets;
import io.quiver.job.testing.FlinkTestCluster;
import io.quiver.schemas.DeadLetterHeaders;
import io.quiver.schemas.Topics;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.UpsertCodec;
import io.quiver.testkit.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The job's Kafka sources and dead-letter sink, and a bulk load from a topic, log in to a SASL
 * broker with passed-through settings.
 */
class KafkaSecurityITCase {

    private static final String USER = "quiver-job";
    private static final String PASSWORD = "job-sasl-secret-5c2e";

    @TempDir Path tmp;

    @Test
    void readsUpsertsAndWritesDeadLettersOverSasl() throws Exception {
        Topics topics = new Topics("sasl");
        try (EmbeddedKafka kafka =
                        EmbeddedKafka.builder().saslPlain(USER, PASSWORD).build().start();
                FlinkTestCluster cluster = FlinkTestCluster.start(tmp, 1)) {
            kafka.createTopic(topics.upserts(), 1);
            kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
            kafka.createTopic(topics.deadLetters(), 1);
            JobOptions.Builder options =
                    JobOptions.builder()
                            .bootstrapServers(kafka.bootstrapServers())
                            .topicPrefix(topics.prefix())
                            .shards(4)
                            .parallelism(1)
                            .jobName("quiver-sasl");
            EmbeddedKafka.saslPlainClientConfig(USER, PASSWORD).forEach(options::kafkaProperty);
            JobClient job = cluster.submit(options.build(), null);
            try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
                producer.send(
                                new ProducerRecord<>(
                                        topics.upserts(),
                                        "docs/x".getBytes(StandardCharsets.UTF_8),
                                        "{not json".getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
            }

            List<ConsumerRecord<byte[], byte[]>> letters =
                    kafka.consumeAll(topics.deadLetters(), 1, Duration.ofSeconds(60));

            assertThat(letters).hasSize(1);
            assertThat(new String(letters.get(0).value(), StandardCharsets.UTF_8))
                    .isEqualTo("{not json");
            assertThat(letters.get(0).headers().lastHeader(DeadLetterHeaders.REASON_CODE))
                    .isNotNull();
            job.cancel().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void bulkLoadsATopicOverSasl() throws Exception {
        Topics topics = new Topics("sasl-bulk");
        try (EmbeddedKafka kafka =
                EmbeddedKafka.builder().saslPlain(USER, PASSWORD).build().start()) {
            kafka.createTopic(topics.upserts(), 2);
            kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
            kafka.createTopic(topics.deadLetters(), 1);
            try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
                producer.send(
                                new ProducerRecord<>(
                                        topics.collections(),
                                        utf8("docs"),
                                        CollectionSpecs.encode(
                                                CollectionSpecs.fromJson(
                                                        "docs",
                                                        UpsertCodec.mapper()
                                                                .readTree(
                                                                        "{\"dimension\": 2,"
                                                                                + " \"metric\": \"dot\"}")))))
                        .get(30, TimeUnit.SECONDS);
                for (int i = 0; i < 50; i++) {
                    producer.send(
                            new ProducerRecord<>(
                                    topics.upserts(),
                                    utf8("docs/p" + i),
                                    utf8(
                                            "{\"collection\": \"docs\", \"id\": \"p"
                                                    + i
                                                    + "\", \"vector\": [1, "
                                                    + i
                                                    + "]}")));
                }
                producer.send(new ProducerRecord<>(topics.upserts(), utf8("docs/x"), utf8("{")))
                        .get(30, TimeUnit.SECONDS);
            }
            // The JAAS line from a properties file, the rest as options, as a user would pass them.
            Map<String, String> sasl = EmbeddedKafka.saslPlainClientConfig(USER, PASSWORD);
            Path props = tmp.resolve("kafka.properties");
            Properties file = new Properties();
            file.setProperty("sasl.jaas.config", sasl.get("sasl.jaas.config"));
            try (var out = Files.newOutputStream(props)) {
                file.store(out, null);
            }
            Path savepoint = tmp.resolve("sasl-savepoint");

            int code =
                    new CommandLine(new QuiverJob())
                            .execute(
                                    "--bootstrap-servers",
                                    kafka.bootstrapServers(),
                                    "--topic-prefix",
                                    topics.prefix(),
                                    "--shards",
                                    "4",
                                    "--parallelism",
                                    "1",
                                    "--kafka-properties-file",
                                    props.toString(),
                                    "--kafka-property",
                                    "security.protocol=" + sasl.get("security.protocol"),
                                    "--kafka-property",
                                    "sasl.mechanism=" + sasl.get("sasl.mechanism"),
                                    "--bulk",
                                    "--bulk-topic",
                                    topics.upserts(),
                                    "--bulk-savepoint",
                                    savepoint.toString());

            assertThat(code).isZero();
            assertThat(LoadedOffsets.readFrom(savepoint.toUri().toString()).total()).isEqualTo(51);
            assertThat(savepoint.resolve("_metadata")).exists();
            List<ConsumerRecord<byte[], byte[]>> letters =
                    kafka.consumeAll(topics.deadLetters(), 1, Duration.ofSeconds(60));
            assertThat(letters).hasSize(1);
            assertThat(new String(letters.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{");
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
