package io.quiver.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaITCase {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafka.create().start();
    }

    @AfterAll
    static void stopBroker() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void producedRecordsAreConsumedFromEarliestAcrossPartitions() throws Exception {
        kafka.createTopic("produce-consume", 3);
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            for (int i = 0; i < 30; i++) {
                producer.send(
                        new ProducerRecord<>(
                                "produce-consume", bytes("k" + i), bytes("value-" + i)));
            }
            producer.flush();
        }

        List<ConsumerRecord<byte[], byte[]>> records =
                kafka.consumeAll("produce-consume", 30, Duration.ofSeconds(30));

        assertThat(records).hasSize(30);
        assertThat(records)
                .extracting(r -> new String(r.value(), UTF_8))
                .contains("value-0", "value-29");
        assertThat(records).extracting(ConsumerRecord::partition).containsOnly(0, 1, 2);
    }

    @Test
    void createsTopicsWithTheGivenConfigs() throws Exception {
        kafka.createTopic("compacted", 1, Map.of("cleanup.policy", "compact"));

        try (Admin admin = kafka.admin()) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "compacted");
            Config config =
                    admin.describeConfigs(List.of(resource))
                            .all()
                            .get(30, TimeUnit.SECONDS)
                            .get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
        assertThatThrownBy(() -> kafka.createTopic("compacted", 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'compacted' already exists");
        assertThat(kafka.createTopicIfAbsent("compacted", 1, Map.of())).isFalse();
    }

    @Test
    void consumeAllFailsWithTheCountWhenTooFewRecordsArrive() {
        kafka.createTopic("too-few", 1);
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            producer.send(new ProducerRecord<>("too-few", bytes("only")));
        }

        assertThatThrownBy(() -> kafka.consumeAll("too-few", 2, Duration.ofSeconds(2)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected 2 records on topic 'too-few'")
                .hasMessageContaining("got 1");
    }

    @Test
    void listensOnLoopbackOnly() {
        assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
    }

    @Test
    void closeStopsTheBrokerAndDeletesItsTemporaryDirectory() throws IOException {
        Path dir;
        int port;
        try (EmbeddedKafka other = EmbeddedKafka.create().start()) {
            dir = other.dataDir();
            port = other.port();
            assertThat(dir).isDirectory();
        }
        assertThat(Files.exists(dir)).isFalse();
        assertThat(canConnect(port)).isFalse();
    }

    @Test
    void keepsAGivenDataDirectoryAndItsTopicsAcrossRestarts() throws IOException {
        Path dir = Files.createTempDirectory("quiver-kafka-restart-");
        try {
            try (EmbeddedKafka first = EmbeddedKafka.builder().dataDir(dir).build().start()) {
                first.createTopic("survives", 2);
                try (KafkaProducer<byte[], byte[]> producer = first.createProducer()) {
                    producer.send(new ProducerRecord<>("survives", bytes("before restart")));
                }
            }
            assertThat(dir).isDirectory();
            try (EmbeddedKafka second = EmbeddedKafka.builder().dataDir(dir).build().start()) {
                assertThat(second.consumeAll("survives", 1, Duration.ofSeconds(30)))
                        .extracting(r -> new String(r.value(), UTF_8))
                        .containsExactly("before restart");
            }
        } finally {
            EmbeddedKafka.deleteRecursively(dir);
        }
    }

    private static boolean canConnect(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }
}
