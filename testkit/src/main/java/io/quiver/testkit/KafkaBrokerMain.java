package io.quiver.testkit;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs {@link EmbeddedKafka} as its own process for the local stack: a single-node KRaft broker on
 * 127.0.0.1 whose data survives restarts, stopped cleanly by SIGTERM or SIGINT.
 *
 * <pre>
 * java -cp CLASSPATH io.quiver.testkit.KafkaBrokerMain --data-dir DIR [--port 9092]
 *     [--controller-port 0] [--topic NAME:PARTITIONS[:compact]]... [--config KEY=VALUE]...
 * </pre>
 *
 * <p>Once the broker answers requests and the listed topics exist (created if absent, never
 * altered), it prints one line {@value #READY_MARKER} followed by the bootstrap address to standard
 * output; scripts wait for that line. Topics not listed are auto-created on first use, as a stock
 * broker does. Exit status 2 means bad arguments, 1 a broker that failed to start.
 */
public final class KafkaBrokerMain {

    /** Printed on standard output when the broker is ready. */
    public static final String READY_MARKER = "quiver-kafka ready on ";

    private static final String USAGE =
            String.join(
                    System.lineSeparator(),
                    "Usage: KafkaBrokerMain --data-dir DIR [options]",
                    "  --data-dir DIR            broker log and metadata (formatted on first start)",
                    "  --port N                  broker listener on 127.0.0.1 (default 9092)",
                    "  --controller-port N       KRaft controller listener (default 0: a free port)",
                    "  --topic NAME:P[:compact]  create topic NAME with P partitions if absent;"
                            + " repeatable",
                    "  --config KEY=VALUE        extra broker config; repeatable",
                    "  --help                    print this help");

    private KafkaBrokerMain() {}

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(USAGE);
            return;
        }
        EmbeddedKafka.Builder builder =
                EmbeddedKafka.builder()
                        .port(options.port)
                        .controllerPort(options.controllerPort)
                        .dataDir(options.dataDir)
                        .deleteDataDirOnClose(false)
                        .brokerConfig("auto.create.topics.enable", "true");
        options.config.forEach(builder::brokerConfig);
        EmbeddedKafka kafka;
        try {
            kafka = builder.build();
            kafka.start();
            for (TopicSpec topic : options.topics) {
                kafka.createTopicIfAbsent(topic.name, topic.partitions, topic.configs());
            }
        } catch (RuntimeException e) {
            System.err.println("error: Kafka broker failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "quiver-kafka-shutdown"));
        PrintStream out = System.out;
        out.println(READY_MARKER + kafka.bootstrapServers());
        out.flush();
        kafka.awaitShutdown();
    }

    /** A topic to create at start-up. */
    record TopicSpec(String name, int partitions, boolean compact) {
        static TopicSpec parse(String spec) {
            String[] parts = spec.split(":");
            if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty()) {
                throw new IllegalArgumentException(
                        "--topic expects NAME:PARTITIONS[:compact], got '" + spec + "'");
            }
            int partitions;
            try {
                partitions = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--topic '" + spec + "': partitions must be a number");
            }
            if (partitions < 1) {
                throw new IllegalArgumentException(
                        "--topic '" + spec + "': partitions must be at least 1");
            }
            if (parts.length == 3 && !parts[2].equals("compact")) {
                throw new IllegalArgumentException(
                        "--topic '"
                                + spec
                                + "': the only flag is 'compact', got '"
                                + parts[2]
                                + "'");
            }
            return new TopicSpec(parts[0], partitions, parts.length == 3);
        }

        Map<String, String> configs() {
            return compact ? Map.of("cleanup.policy", "compact") : Map.of();
        }
    }

    static final class Options {
        int port = 9092;
        int controllerPort;
        Path dataDir;
        boolean help;
        final List<TopicSpec> topics = new ArrayList<>();
        final Map<String, String> config = new LinkedHashMap<>();

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--help", "-h" -> o.help = true;
                    case "--port" -> o.port = port(arg, value(args, ++i, arg));
                    case "--controller-port" -> o.controllerPort = port(arg, value(args, ++i, arg));
                    case "--data-dir" -> o.dataDir = Path.of(value(args, ++i, arg));
                    case "--topic" -> o.topics.add(TopicSpec.parse(value(args, ++i, arg)));
                    case "--config" -> {
                        String kv = value(args, ++i, arg);
                        int eq = kv.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException(
                                    "--config expects KEY=VALUE, got '" + kv + "'");
                        }
                        o.config.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
                }
            }
            if (!o.help && o.dataDir == null) {
                throw new IllegalArgumentException("--data-dir is required");
            }
            return o;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static int port(String option, String value) {
            try {
                int p = Integer.parseInt(value);
                if (p >= 0 && p <= 65535) {
                    return p;
                }
            } catch (NumberFormatException e) {
                // falls through to the message below
            }
            throw new IllegalArgumentException(
                    option + " must be a port number 0..65535, got '" + value + "'");
        }
    }
}
