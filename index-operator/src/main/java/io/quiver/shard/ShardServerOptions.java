package io.quiver.shard;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;

/** Flink configuration keys of the shard server, read from the TaskManager's configuration. */
public final class ShardServerOptions {

    /** The port of the TaskManager's shard server; 0 picks a free one (announced via status). */
    public static final ConfigOption<Integer> PORT =
            ConfigOptions.key("quiver.shard-server.port")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Port of the TaskManager's shard server; 0 picks a free port.");

    /** The host the shard server binds to and announces; defaults to taskmanager.host. */
    public static final ConfigOption<String> HOST =
            ConfigOptions.key("quiver.shard-server.host")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Host the shard server binds to and announces; defaults to"
                                    + " taskmanager.host, then 127.0.0.1.");

    private ShardServerOptions() {}

    /** The host to bind and announce under {@code conf}. */
    public static String host(Configuration conf) {
        String host = conf.get(HOST);
        if (host == null || host.isBlank()) {
            host = conf.get(TaskManagerOptions.HOST);
        }
        return host == null || host.isBlank() ? "127.0.0.1" : host;
    }

    public static int port(Configuration conf) {
        int port = conf.get(PORT);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(
                    PORT.key() + " must be between 0 and 65535, got " + port);
        }
        return port;
    }
}
