package io.quiver.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaBrokerMainTest {

    @Test
    void parsesPortsDataDirTopicsAndConfigs() {
        KafkaBrokerMain.Options o =
                KafkaBrokerMain.Options.parse(
                        new String[] {
                            "--data-dir", "/tmp/k",
                            "--port", "19092",
                            "--controller-port", "0",
                            "--topic", "quiver.upserts:4",
                            "--topic", "quiver.collections:1:compact",
                            "--config", "log.retention.hours=1"
                        });

        assertThat(o.dataDir).isEqualTo(Path.of("/tmp/k"));
        assertThat(o.port).isEqualTo(19092);
        assertThat(o.controllerPort).isZero();
        assertThat(o.topics)
                .containsExactly(
                        new KafkaBrokerMain.TopicSpec("quiver.upserts", 4, false),
                        new KafkaBrokerMain.TopicSpec("quiver.collections", 1, true));
        assertThat(o.topics.get(1).configs()).isEqualTo(Map.of("cleanup.policy", "compact"));
        assertThat(o.config).containsEntry("log.retention.hours", "1");
    }

    @Test
    void rejectsBadArgumentsWithPreciseMessages() {
        assertThatThrownBy(() -> parse("--port", "9092"))
                .hasMessageContaining("--data-dir is required");
        assertThatThrownBy(() -> parse("--data-dir", "d", "--port", "70000"))
                .hasMessageContaining("--port must be a port number 0..65535, got '70000'");
        assertThatThrownBy(() -> parse("--data-dir", "d", "--topic", "t"))
                .hasMessageContaining("NAME:PARTITIONS[:compact], got 't'");
        assertThatThrownBy(() -> parse("--data-dir", "d", "--topic", "t:0"))
                .hasMessageContaining("partitions must be at least 1");
        assertThatThrownBy(() -> parse("--data-dir", "d", "--topic", "t:1:delete"))
                .hasMessageContaining("the only flag is 'compact', got 'delete'");
        assertThatThrownBy(() -> parse("--data-dir", "d", "--config", "novalue"))
                .hasMessageContaining("--config expects KEY=VALUE, got 'novalue'");
        assertThatThrownBy(() -> parse("--data-dir"))
                .hasMessageContaining("--data-dir needs a value");
        assertThatThrownBy(() -> parse("--bogus")).hasMessageContaining("unknown option '--bogus'");
    }

    @Test
    void builderRejectsInvalidPorts() {
        assertThatThrownBy(() -> EmbeddedKafka.builder().port(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port must be 0 (free port) or 1..65535, got -1");
        assertThatThrownBy(() -> EmbeddedKafka.builder().port(9092).controllerPort(9092).build())
                .hasMessageContaining("port and controllerPort must differ, both are 9092");
        assertThatThrownBy(() -> EmbeddedKafka.builder().brokerConfig("listeners", "x").build())
                .hasMessageContaining("'listeners' is set by EmbeddedKafka itself");
    }

    private static KafkaBrokerMain.Options parse(String... args) {
        return KafkaBrokerMain.Options.parse(args);
    }
}
