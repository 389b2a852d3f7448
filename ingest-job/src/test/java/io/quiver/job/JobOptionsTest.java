package io.quiver.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.schemas.record.RecordFormat;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobOptionsTest {

    @Test
    void fillsQuiversDefaults() {
        JobOptions o = JobOptions.builder().bootstrapServers("127.0.0.1:9092").build();
        assertThat(o.topics().upserts()).isEqualTo("quiver.upserts");
        assertThat(o.shards()).isEqualTo(32);
        assertThat(o.maxParallelism()).isEqualTo(128);
        assertThat(o.parallelism()).isEqualTo(2);
        assertThat(o.jobName()).isEqualTo("quiver");
        assertThat(o.upsertsFormat()).isEqualTo(RecordFormat.AUTO);
        assertThat(o.checkpointInterval()).isNull();
        assertThat(o.unknownCollectionGrace()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void namesEveryInvalidOption() {
        assertThatThrownBy(() -> JobOptions.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bootstrap servers are required");
        assertThatThrownBy(() -> valid().topicPrefix("a b").build())
                .hasMessageContaining("topic prefix 'a b'");
        assertThatThrownBy(() -> valid().shards(0).build())
                .hasMessageContaining("shards must be >= 1, got 0");
        assertThatThrownBy(() -> valid().shards(64).maxParallelism(32).build())
                .hasMessageContaining("max parallelism must be between the shard count (64)");
        assertThatThrownBy(() -> valid().parallelism(129).build())
                .hasMessageContaining("parallelism must be between 1 and the max parallelism");
        assertThatThrownBy(() -> valid().jobName(" ").build())
                .hasMessageContaining("job name must not be empty");
        assertThatThrownBy(() -> valid().checkpointInterval(Duration.ofMillis(1)).build())
                .hasMessageContaining("checkpoint interval must be at least 10 ms");
        assertThatThrownBy(() -> valid().unknownCollectionGrace(Duration.ofSeconds(-1)).build())
                .hasMessageContaining("grace period must be >= 0");
        assertThatThrownBy(() -> valid().upsertsPartitions(0).build())
                .hasMessageContaining("upserts partitions must be >= 1, got 0");
    }

    @Test
    void carriesKafkaPropertiesToEveryClientButNotTheJobsOwnSettings() {
        JobOptions o =
                valid().kafkaProperty("security.protocol", "SASL_SSL")
                        .kafkaProperty("sasl.mechanism", "SCRAM-SHA-512")
                        .build();

        assertThat(o.kafkaProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(o.kafkaClientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "127.0.0.1:9092");
        assertThatThrownBy(() -> valid().kafkaProperty("bootstrap.servers", "x:1").build())
                .hasMessageContaining(
                        "'bootstrap.servers' is set by the job: use --bootstrap-servers");
        assertThatThrownBy(() -> valid().kafkaProperty("group.id", "g").build())
                .hasMessageContaining("'group.id' is set by the job");
        assertThatThrownBy(() -> valid().kafkaProperty(" ", "v").build())
                .hasMessageContaining("need a key and a value");
    }

    private static JobOptions.Builder valid() {
        return JobOptions.builder().bootstrapServers("127.0.0.1:9092");
    }
}
