package io.quiver.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.QueryableStateOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class QuiverJobTest {

    @TempDir Path confDir;

    @Test
    void printsHelpWithEveryOption() {
        StringWriter out = new StringWriter();
        int code = command(out, new StringWriter()).execute("--help");
        assertThat(code).isZero();
        assertThat(out.toString())
                .contains(
                        "--bootstrap-servers",
                        "--topic-prefix",
                        "--shards",
                        "--max-parallelism",
                        "--parallelism",
                        "--job-name",
                        "--upserts-format",
                        "--conf-dir",
                        "--create-topics",
                        "--checkpoint-interval",
                        "--kafka-property",
                        "--kafka-properties-file",
                        "--bulk",
                        "--bulk-file",
                        "queryable-state.enable");
    }

    @Test
    void readsKafkaPropertiesFromAFileAndTheCommandLine() throws Exception {
        Path file =
                Files.writeString(
                        confDir.resolve("kafka.properties"),
                        "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n");
        CommandLine cmd = new CommandLine(new QuiverJob());
        cmd.parseArgs(
                "--bootstrap-servers",
                "127.0.0.1:1",
                "--kafka-properties-file",
                file.toString(),
                "--kafka-property",
                "sasl.mechanism=SCRAM-SHA-256");
        QuiverJob job = cmd.getCommand();

        assertThat(job.kafkaSettings())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-256");
    }

    @Test
    void topicSetupUsesTheKafkaProperties() {
        JobOptions options =
                JobOptions.builder()
                        .bootstrapServers("127.0.0.1:1")
                        .kafkaProperty("security.protocol", "NOT_A_PROTOCOL")
                        .build();

        // The admin client refuses the setting before it connects anywhere.
        assertThatThrownBy(() -> TopicSetup.createMissing(options))
                .hasMessageContaining("security.protocol");
    }

    @Test
    void refusesInvalidOptionsBeforeTouchingKafka() {
        StringWriter err = new StringWriter();
        int code =
                command(new StringWriter(), err)
                        .execute("--bootstrap-servers", "127.0.0.1:1", "--upserts-format", "xml");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("unknown record format 'xml'");

        err = new StringWriter();
        code =
                command(new StringWriter(), err)
                        .execute(
                                "--bootstrap-servers",
                                "127.0.0.1:1",
                                "--checkpoint-interval",
                                "soon");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--checkpoint-interval 'soon' is not a duration");

        err = new StringWriter();
        code =
                command(new StringWriter(), err)
                        .execute(
                                "--bootstrap-servers",
                                "127.0.0.1:1",
                                "--bulk",
                                "--bulk-collection",
                                "docs",
                                "--bulk-savepoint",
                                "/tmp/sp");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("bulk load needs at least one --bulk-file");
    }

    @Test
    void failsFastWithTheInstructionWhenQueryableStateIsOff() throws Exception {
        Files.writeString(confDir.resolve("config.yaml"), "parallelism.default: 1\n");
        StringWriter err = new StringWriter();
        int code =
                command(new StringWriter(), err)
                        .execute(
                                "--bootstrap-servers",
                                "127.0.0.1:1",
                                "--conf-dir",
                                confDir.toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString())
                .contains("queryable-state.enable: true")
                .contains("flink-queryable-state-runtime");
    }

    @Test
    void findsTheQueryableStateRuntimeOnTheClasspath() {
        Configuration conf = new Configuration();
        assertThatThrownBy(() -> QuiverJob.checkQueryableState(conf, true))
                .hasMessageContaining("queryable-state.enable");
        conf.set(QueryableStateOptions.ENABLE_QUERYABLE_STATE_PROXY_SERVER, true);
        QuiverJob.checkQueryableState(conf, false);
    }

    private static CommandLine command(StringWriter out, StringWriter err) {
        CommandLine cmd = new CommandLine(new QuiverJob());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        return cmd;
    }
}
