package io.quiver.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.testing.HttpJson;
import io.quiver.schemas.Topics;
import io.quiver.testkit.EmbeddedKafka;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Kafka security settings pass through to the query server's producer, consumers and admin. */
class KafkaSecurityITCase {

    private static final String USER = "quiver";
    private static final String PASSWORD = "kafka-sasl-secret-93b1";
    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.builder().saslPlain(USER, PASSWORD).build().start();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void theBrokerRefusesClientsWithoutSasl() {
        Properties plain = new Properties();
        plain.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        plain.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        plain.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000);
        try (Admin admin = Admin.create(plain)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("Timed out");
        }
    }

    @Test
    void writesAndReadsTheCatalogOverSasl() {
        Topics topics = new Topics("sasl");
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.upserts(), 2);
        QueryServer.Builder builder =
                QueryServer.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(topics.prefix())
                        .shards(4)
                        .shardDirectory(ShardDirectory.fixed(4, Map.of()))
                        .port(0);
        EmbeddedKafka.saslPlainClientConfig(USER, PASSWORD).forEach(builder::kafkaProperty);
        try (QueryServer server = builder.build().start()) {
            HttpJson http = new HttpJson(server.port());
            await().atMost(Duration.ofSeconds(30))
                    .until(
                            () ->
                                    http.get("/readyz")
                                            .json()
                                            .at("/result/catalog_loaded")
                                            .asBoolean());

            assertThat(
                            http.put("/collections/docs", "{\"dimension\": 2, \"metric\": \"l2\"}")
                                    .status())
                    .isEqualTo(200);
            HttpJson.Answer upsert =
                    http.put(
                            "/collections/docs/points",
                            "{\"points\": [{\"id\": \"a\", \"vector\": [1, 2]}]}");
            assertThat(upsert.status()).isEqualTo(200);
            assertThat(upsert.json().path("token").asText()).isNotEmpty();
        }
        // A second server reads the collection back through its SASL consumer.
        try (QueryServer second = builder.build().start()) {
            HttpJson http = new HttpJson(second.port());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> http.get("/collections/docs").status() == 200);
        }
        assertThat(kafka.consumeAll(topics.upserts(), 1, Duration.ofSeconds(10))).hasSize(1);
    }
}
