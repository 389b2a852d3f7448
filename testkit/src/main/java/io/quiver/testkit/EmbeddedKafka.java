package io.quiver.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller, node id 1) running in
 * this JVM, bound to 127.0.0.1 only.
 *
 * <p>By default both ports are free ports picked at {@link #start()} and the log directory is a
 * fresh temporary directory that {@link #close()} deletes, which is what tests want: {@code try
 * (EmbeddedKafka kafka = EmbeddedKafka.create().start()) {...}}. The {@link Builder} fixes ports
 * and keeps the data directory across restarts, which is what the local stack wants (see {@link
 * KafkaBrokerMain}).
 *
 * <p>Every replication factor and min ISR is 1, and consumer groups rebalance without the initial
 * delay, so a test's first poll is not held back three seconds. Topics are not auto-created unless
 * the builder says so: a test that forgets to create its topic should fail loudly.
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    /** Node id of the single combined broker and controller. */
    public static final int NODE_ID = 1;

    private static final String HOST = "127.0.0.1";
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final int START_ATTEMPTS = 3;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final int requestedPort;
    private final int requestedControllerPort;
    private final Path requestedDataDir;
    private final boolean deleteDataDirOnClose;
    private final Map<String, String> extraConfig;
    private final Map<String, String> clientConfig;

    private KafkaRaftServer server;
    private Path dataDir;
    private int port;
    private int controllerPort;

    private EmbeddedKafka(Builder builder) {
        this.requestedPort = builder.port;
        this.requestedControllerPort = builder.controllerPort;
        this.requestedDataDir = builder.dataDir;
        this.deleteDataDirOnClose =
                builder.deleteDataDirOnClose != null
                        ? builder.deleteDataDirOnClose
                        : builder.dataDir == null;
        this.extraConfig = Map.copyOf(builder.brokerConfig);
        this.clientConfig = Map.copyOf(builder.clientConfig);
    }

    /** A broker on free ports with a temporary data directory deleted on {@link #close()}. */
    public static EmbeddedKafka create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the data directory if it is not formatted yet, starts the broker and returns once it
     * answers metadata requests.
     *
     * @throws IllegalStateException if already started, or the broker did not become ready
     */
    public synchronized EmbeddedKafka start() {
        if (server != null) {
            throw new IllegalStateException("broker already started on " + bootstrapServers());
        }
        boolean fixedPorts = requestedPort != 0 && requestedControllerPort != 0;
        for (int attempt = 1; ; attempt++) {
            try {
                startOnce();
                return this;
            } catch (RuntimeException e) {
                stopServer();
                // A free port picked by us can be taken by someone else before the broker binds it.
                boolean retry = !fixedPorts && attempt < START_ATTEMPTS && isBindFailure(e);
                if (!retry) {
                    if (deleteDataDirOnClose && dataDir != null) {
                        deleteRecursively(dataDir);
                    }
                    throw e;
                }
                LOG.warn("Kafka broker could not bind its ports, retrying with other free ports");
            }
        }
    }

    private void startOnce() {
        port = requestedPort != 0 ? requestedPort : freePort();
        controllerPort = requestedControllerPort;
        while (controllerPort == 0 || controllerPort == port) {
            // The broker's port is not bound until Kafka starts, so the system may offer it again.
            controllerPort = freePort();
        }
        try {
            if (dataDir == null) {
                dataDir =
                        requestedDataDir != null
                                ? Files.createDirectories(requestedDataDir)
                                : Files.createTempDirectory("quiver-kafka-");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka data directory", e);
        }
        KafkaConfig config = new KafkaConfig(brokerProperties(), false);
        formatIfNeeded(config);
        server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        awaitReady();
        LOG.info("Kafka broker ready on {} (data in {})", bootstrapServers(), dataDir);
    }

    private Map<String, String> brokerProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        p.put(
                "listeners",
                BROKER_LISTENER
                        + "://"
                        + HOST
                        + ":"
                        + port
                        + ","
                        + CONTROLLER_LISTENER
                        + "://"
                        + HOST
                        + ":"
                        + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + port);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put(
                "listener.security.protocol.map",
                BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", logDir().toString());
        p.put("metadata.log.dir", logDir().toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        // Small segments and indexes keep a test broker's disk footprint to a few MiB.
        p.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        p.put("log.index.size.max.bytes", String.valueOf(1024 * 1024));
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        p.putAll(extraConfig);
        return p;
    }

    private Path logDir() {
        return dataDir.resolve("log");
    }

    private void formatIfNeeded(KafkaConfig config) {
        if (Files.exists(logDir().resolve("meta.properties"))) {
            return;
        }
        Formatter formatter =
                new Formatter()
                        .setClusterId(Uuid.randomUuid().toString())
                        .setNodeId(NODE_ID)
                        .setControllerListenerName(CONTROLLER_LISTENER)
                        .setMetadataLogDirectory(logDir().toString())
                        .setDirectories(List.of(logDir().toString()))
                        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                        .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                        .setIgnoreFormatted(true)
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()));
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka storage in " + logDir(), e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                try {
                    var nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    if (nodes.stream().mapToInt(Node::id).anyMatch(id -> id == NODE_ID)) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for Kafka", e);
                }
                sleep(100);
            }
        }
        throw new IllegalStateException(
                "Kafka broker on " + bootstrapServers() + " not ready after " + READY_TIMEOUT,
                last);
    }

    /** {@code 127.0.0.1:<port>} of the broker listener. */
    public String bootstrapServers() {
        requireStarted();
        return HOST + ":" + port;
    }

    /** The broker listener's port. */
    public int port() {
        requireStarted();
        return port;
    }

    /** The directory holding the broker's log and metadata. */
    public Path dataDir() {
        requireStarted();
        return dataDir;
    }

    /** Creates a topic with replication factor 1 and waits until every partition has a leader. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Creates a topic with replication factor 1 and the given topic configs (e.g. {@code
     * cleanup.policy=compact}) and waits until every partition has a leader, so that a producer
     * started right after does not race the metadata.
     *
     * @throws IllegalStateException if the topic already exists
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        if (!createTopicIfAbsent(name, partitions, configs)) {
            throw new IllegalStateException("topic '" + name + "' already exists");
        }
    }

    /**
     * Like {@link #createTopic(String, int, Map)} but leaves an existing topic as it is.
     *
     * @return whether the topic was created
     */
    public boolean createTopicIfAbsent(String name, int partitions, Map<String, String> configs) {
        if (partitions < 1) {
            throw new IllegalArgumentException(
                    "topic '" + name + "' needs at least 1 partition, got " + partitions);
        }
        boolean created;
        try (Admin admin = admin()) {
            NewTopic topic = new NewTopic(name, partitions, (short) 1).configs(configs);
            try {
                admin.createTopics(List.of(topic))
                        .all()
                        .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                created = true;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic '" + name + "'", e);
                }
                created = false;
            }
            awaitLeaders(admin, name);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic '" + name + "'", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic '" + name + "'", e);
        }
        return created;
    }

    private static void awaitLeaders(Admin admin, String topic)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription d =
                        admin.describeTopics(List.of(topic))
                                .allTopicNames()
                                .get(5, TimeUnit.SECONDS)
                                .get(topic);
                if (d != null
                        && d.partitions().stream()
                                .map(TopicPartitionInfo::leader)
                                .allMatch(leader -> leader != null && !leader.isEmpty())) {
                    return;
                }
            } catch (ExecutionException e) {
                // Metadata not propagated yet: UnknownTopicOrPartition until the broker catches up.
            }
            sleep(50);
        }
        throw new TimeoutException("partitions of '" + topic + "' have no leader yet");
    }

    /** Client properties that reach this broker; add serializers or group ids as needed. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(clientConfig);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return p;
    }

    /** A new admin client; the caller closes it. */
    public Admin admin() {
        return Admin.create(clientProperties());
    }

    /**
     * A new producer of byte-array keys and values with {@code acks=all} and idempotence, so a
     * record whose {@code send()} completed is durable and not duplicated; the caller closes it.
     */
    public KafkaProducer<byte[], byte[]> createProducer() {
        return createProducer(Map.of());
    }

    /** Like {@link #createProducer()} with extra producer configs that override the defaults. */
    public KafkaProducer<byte[], byte[]> createProducer(Map<String, Object> overrides) {
        Properties p = clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putAll(overrides);
        return new KafkaProducer<>(p);
    }

    /**
     * A new byte-array consumer without a group (use {@code assign}), reading committed and
     * uncommitted records from the earliest offset; the caller closes it.
     */
    public KafkaConsumer<byte[], byte[]> createConsumer() {
        Properties p = clientProperties();
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /**
     * Reads {@code topic} from the earliest offset of every partition until at least {@code
     * expectedCount} records arrived, polling until {@code timeout} has passed. The result holds
     * every record read, which may be more than expected; records of one partition keep their
     * order.
     *
     * @throws AssertionError if fewer than {@code expectedCount} records arrived in time, naming
     *     how many did
     */
    public List<ConsumerRecord<byte[], byte[]>> consumeAll(
            String topic, int expectedCount, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = createConsumer()) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, timeout)
                    .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
            if (partitions.isEmpty()) {
                throw new AssertionError("topic '" + topic + "' does not exist");
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (records.size() < expectedCount) {
                long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (leftMs <= 0) {
                    throw new AssertionError(
                            "expected "
                                    + expectedCount
                                    + " records on topic '"
                                    + topic
                                    + "' within "
                                    + timeout
                                    + ", got "
                                    + records.size());
                }
                ConsumerRecords<byte[], byte[]> batch =
                        consumer.poll(Duration.ofMillis(Math.min(leftMs, 200)));
                batch.forEach(records::add);
            }
        }
        return records;
    }

    /** Stops the broker and, unless the builder kept it, deletes its data directory. */
    @Override
    public synchronized void close() {
        stopServer();
        if (deleteDataDirOnClose && dataDir != null) {
            deleteRecursively(dataDir);
            dataDir = null;
        }
    }

    /** Blocks until the broker has shut down, e.g. from another thread's {@link #close()}. */
    public void awaitShutdown() {
        KafkaRaftServer s;
        synchronized (this) {
            s = server;
        }
        if (s != null) {
            s.awaitShutdown();
        }
    }

    private void stopServer() {
        if (server != null) {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException e) {
                LOG.warn("Kafka broker did not shut down cleanly", e);
            }
            server = null;
        }
    }

    private void requireStarted() {
        if (server == null) {
            throw new IllegalStateException("broker not started");
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    /** A port that was free on 127.0.0.1 a moment ago. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(
                    root,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                                throws IOException {
                            Files.deleteIfExists(file);
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult postVisitDirectory(Path dir, IOException exc)
                                throws IOException {
                            Files.deleteIfExists(dir);
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            LOG.warn("could not delete {}", root, e);
        }
    }

    /** Client settings that log in to a {@link Builder#saslPlain} broker. */
    public static Map<String, String> saslPlainClientConfig(String username, String password) {
        return Map.of(
                "security.protocol",
                "SASL_PLAINTEXT",
                "sasl.mechanism",
                "PLAIN",
                "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + username
                        + "\" password=\""
                        + password
                        + "\";");
    }

    /** Options for a broker that is not a throwaway test broker. {@link #build()} checks them. */
    public static final class Builder {
        private int port;
        private int controllerPort;
        private Path dataDir;
        private Boolean deleteDataDirOnClose;
        private final Map<String, String> brokerConfig = new LinkedHashMap<>();
        private final Map<String, String> clientConfig = new LinkedHashMap<>();

        private Builder() {}

        /**
         * The broker listener asks for SASL/PLAIN (without TLS) and accepts {@code username} with
         * {@code password}; this broker's own clients ({@link #clientProperties()}) log in with
         * them, and {@link #saslPlainClientConfig} gives the same settings to other clients.
         */
        public Builder saslPlain(String username, String password) {
            brokerConfig(
                    "listener.security.protocol.map",
                    "PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
            brokerConfig("sasl.enabled.mechanisms", "PLAIN");
            brokerConfig("sasl.mechanism.inter.broker.protocol", "PLAIN");
            brokerConfig(
                    "listener.name.plaintext.plain.sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required"
                            + " username=\""
                            + username
                            + "\" password=\""
                            + password
                            + "\" user_"
                            + username
                            + "=\""
                            + password
                            + "\";");
            clientConfig.putAll(saslPlainClientConfig(username, password));
            return this;
        }

        /** The broker listener's port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The controller listener's port on 127.0.0.1; 0 (the default) picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = controllerPort;
            return this;
        }

        /**
         * Where the broker keeps its log; formatted on first start and reused after. Setting it
         * keeps the data on {@link EmbeddedKafka#close()} unless {@link #deleteDataDirOnClose} says
         * otherwise.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder deleteDataDirOnClose(boolean delete) {
            this.deleteDataDirOnClose = delete;
            return this;
        }

        /**
         * A broker config that overrides the test defaults, e.g. {@code auto.create.topics.enable}.
         */
        public Builder brokerConfig(String key, String value) {
            brokerConfig.put(key, value);
            return this;
        }

        public EmbeddedKafka build() {
            checkPort("port", port);
            checkPort("controllerPort", controllerPort);
            if (port != 0 && port == controllerPort) {
                throw new IllegalArgumentException(
                        "port and controllerPort must differ, both are " + port);
            }
            for (String reserved : Set.of("listeners", "process.roles", "node.id", "log.dirs")) {
                if (brokerConfig.containsKey(reserved)) {
                    throw new IllegalArgumentException(
                            "broker config '" + reserved + "' is set by EmbeddedKafka itself");
                }
            }
            return new EmbeddedKafka(this);
        }

        private static void checkPort(String name, int value) {
            if (value < 0 || value > 65535) {
                throw new IllegalArgumentException(
                        name + " must be 0 (free port) or 1..65535, got " + value);
            }
        }
    }

    /** For logs and assertion messages. */
    @Override
    public String toString() {
        return server == null
                ? "EmbeddedKafka[stopped]"
                : "EmbeddedKafka[" + bootstrapServers() + ", " + dataDir + "]";
    }
}
