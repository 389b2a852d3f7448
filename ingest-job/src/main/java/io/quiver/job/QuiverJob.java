package io.quiver.job;

import io.quiver.job.bulk.BulkFormat;
import io.quiver.job.bulk.BulkLoad;
import io.quiver.job.bulk.BulkLoadOptions;
import io.quiver.job.bulk.LoadedOffsets;
import io.quiver.job.decode.DecodeOperator;
import io.quiver.job.kafka.DeadLetter;
import io.quiver.job.kafka.DeadLetterSerializer;
import io.quiver.job.kafka.KafkaBytes;
import io.quiver.job.kafka.KafkaBytesDeserializer;
import io.quiver.operator.IndexFactory;
import io.quiver.operator.IndexOperator;
import io.quiver.operator.RebuildOptions;
import io.quiver.operator.ShardOp;
import io.quiver.schemas.KafkaClientSettings;
import io.quiver.schemas.record.RecordFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.QueryableStateOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.fs.UnsupportedFileSystemSchemeException;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Quiver's Flink job: Kafka upserts → decode and validate → keyed index operator per shard, with
 * refused records on the dead-letter topic. Run it with plain {@code java} for a local cluster (the
 * MiniCluster takes its configuration from {@code --conf-dir}) or submit it to a Flink cluster.
 * Tests build the same pipeline with {@link #build}.
 */
@Command(
        name = "quiver-job",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Runs Quiver's ingest and index job: reads <prefix>.upserts and <prefix>.collections,"
                    + " keeps one vector index per shard in Flink state, serves searches from each"
                    + " TaskManager's shard server and writes refused records to"
                    + " <prefix>.dead-letters.",
            "Needs Queryable State: queryable-state.enable: true in config.yaml and, on a Flink"
                    + " cluster, opt/flink-queryable-state-runtime-*.jar copied to lib/."
        })
public final class QuiverJob implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(QuiverJob.class);

    /** A class of flink-queryable-state-runtime; without it nothing answers lookups. */
    static final String QS_RUNTIME_CLASS =
            "org.apache.flink.queryablestate.server.KvStateServerImpl";

    static final String QS_INSTRUCTION =
            "Quiver finds its shards through Flink Queryable State, which is not enabled: set"
                    + " 'queryable-state.enable: true' in config.yaml and, on a Flink cluster, copy"
                    + " opt/flink-queryable-state-runtime-*.jar to lib/ (for a local run, put"
                    + " org.apache.flink:flink-queryable-state-runtime on the classpath).";

    @Spec CommandSpec spec;

    @Option(
            names = "--bootstrap-servers",
            required = true,
            paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(
            names = "--topic-prefix",
            defaultValue = "quiver",
            description =
                    "Prefix of the topics <prefix>.upserts, .collections, .dead-letters"
                            + " (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(
            names = "--shards",
            defaultValue = "32",
            description =
                    "Logical shards, fixed for the life of the deployment; at least the"
                            + " largest parallelism you plan (default: ${DEFAULT-VALUE}).")
    int shards;

    @Option(
            names = "--max-parallelism",
            defaultValue = "128",
            description =
                    "Flink max parallelism (key groups), at least --shards; fixed for the"
                            + " life of the deployment (default: ${DEFAULT-VALUE}).")
    int maxParallelism;

    @Option(
            names = "--parallelism",
            description =
                    "Job parallelism (default: parallelism.default from the configuration,"
                            + " else 2).")
    Integer parallelism;

    @Option(
            names = "--job-name",
            defaultValue = "quiver",
            description =
                    "Flink job name; the query server finds the job by it"
                            + " (default: ${DEFAULT-VALUE}).")
    String jobName;

    @Option(
            names = "--upserts-format",
            defaultValue = "auto",
            paramLabel = "auto|json|avro",
            description =
                    "Encoding of the upserts topic; auto tells Avro single-object encoding"
                            + " from JSON by its marker bytes (default: ${DEFAULT-VALUE}).")
    String upsertsFormat;

    @Option(
            names = "--conf-dir",
            paramLabel = "DIR",
            description =
                    "Directory with the Flink config.yaml to run with (default: none, or"
                            + " $FLINK_CONF_DIR when set).")
    String confDir;

    @Option(
            names = "--create-topics",
            defaultValue = "true",
            arity = "1",
            paramLabel = "true|false",
            description = "Create the three topics when missing (default: ${DEFAULT-VALUE}).")
    boolean createTopics;

    @Option(
            names = "--upserts-partitions",
            defaultValue = "4",
            description =
                    "Partitions of the upserts topic when this job creates it"
                            + " (default: ${DEFAULT-VALUE}).")
    int upsertsPartitions;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "DURATION",
            description =
                    "Overrides execution.checkpointing.interval, e.g. 10s or PT10S"
                            + " (default: from the configuration, else 10s).")
    String checkpointInterval;

    @Option(
            names = "--unknown-collection-grace",
            defaultValue = "10s",
            paramLabel = "DURATION",
            description =
                    "How long a record of a collection not defined yet waits for its spec"
                            + " before it is dead-lettered (default: ${DEFAULT-VALUE}).")
    String unknownCollectionGrace;

    @Option(
            names = "--kafka-property",
            paramLabel = "KEY=VALUE",
            description =
                    "A Kafka client setting for the job's sources, dead-letter sink and admin"
                            + " client (and a bulk load's), e.g. security.protocol=SASL_SSL;"
                            + " repeatable, wins over --kafka-properties-file.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(
            names = "--kafka-properties-file",
            paramLabel = "FILE",
            description =
                    "A Java properties file of Kafka client settings (SASL, TLS, ...), read where"
                            + " the job is submitted.")
    Path kafkaPropertiesFile;

    @Option(
            names = "--bulk",
            description =
                    "Run a bulk load instead of the streaming job: read --bulk-file into"
                            + " --bulk-collection (which must exist), or --bulk-topic into every"
                            + " collection it holds, build each shard's graph at once and write a"
                            + " savepoint to --bulk-savepoint; then start the streaming job from"
                            + " it (execution.state-recovery.path).")
    boolean bulk;

    @Option(
            names = "--bulk-topic",
            paramLabel = "TOPIC",
            description =
                    "Bulk load: read this topic of upserts (usually <prefix>.upserts) from its"
                            + " earliest offsets to the end offsets seen at the start, instead"
                            + " of files. Refused records go to <prefix>.dead-letters; a"
                            + " streaming job started from the savepoint reads <prefix>.upserts"
                            + " from where the load stopped.")
    String bulkTopic;

    @Option(
            names = "--bulk-collection",
            paramLabel = "NAME",
            description = "Bulk load: the collection to fill.")
    String bulkCollection;

    @Option(
            names = "--bulk-file",
            paramLabel = "PATH",
            description =
                    "Bulk load: a file to read (repeatable): .fvecs or .npy (ids 0, 1, ... by"
                            + " position, one file per run), .jsonl or .avro (ids from the records).")
    List<String> bulkFiles;

    @Option(
            names = "--bulk-format",
            paramLabel = "fvecs|npy|jsonl|avro",
            description = "Bulk load: the files' format (default: from each file's extension).")
    String bulkFormat;

    @Option(
            names = "--bulk-savepoint",
            paramLabel = "DIR",
            description = "Bulk load: where to write the savepoint (a path or URI).")
    String bulkSavepoint;

    public static void main(String[] args) {
        // Submitted through Flink's REST API or web UI, main() runs inside the JobManager's JVM,
        // where exiting would take the cluster down (or, with the exit intercepted, hide the
        // cause): there a failure is an exception and success a plain return.
        boolean inCluster =
                !(StreamExecutionEnvironment.getExecutionEnvironment()
                        instanceof LocalStreamEnvironment);
        int code = new CommandLine(new QuiverJob()).execute(args);
        if (!inCluster) {
            System.exit(code);
        } else if (code != 0) {
            throw new IllegalStateException(
                    "quiver-job failed with exit status " + code + "; the cause is logged above");
        }
    }

    @Override
    public Integer call() throws Exception {
        Configuration conf = loadConfiguration(confDir);
        if (bulk) {
            return bulkLoad(conf);
        }
        JobOptions options;
        try {
            JobOptions.Builder builder =
                    JobOptions.builder()
                            .bootstrapServers(bootstrapServers)
                            .topicPrefix(topicPrefix)
                            .shards(shards)
                            .maxParallelism(maxParallelism)
                            .parallelism(
                                    parallelism != null
                                            ? parallelism
                                            : conf.getOptional(CoreOptions.DEFAULT_PARALLELISM)
                                                    .orElse(JobOptions.DEFAULT_PARALLELISM))
                            .jobName(jobName)
                            .upsertsFormat(RecordFormat.parse(upsertsFormat))
                            .checkpointInterval(
                                    checkpointInterval == null
                                            ? null
                                            : Durations.parse(
                                                    "--checkpoint-interval", checkpointInterval))
                            .unknownCollectionGrace(
                                    Durations.parse(
                                            "--unknown-collection-grace", unknownCollectionGrace))
                            .upsertsPartitions(upsertsPartitions);
            kafkaSettings().forEach(builder::kafkaProperty);
            options = builder.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        applyDefaults(conf);
        checkQueryableState(conf, true);
        if (createTopics) {
            TopicSetup.createMissing(options);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        if (env instanceof LocalStreamEnvironment) {
            checkQueryableState(conf, false);
        }
        build(env, options);
        LOG.info(
                "starting job '{}' on topics {}.* with {} shards, parallelism {}, {}",
                options.jobName(),
                options.topics().prefix(),
                options.shards(),
                options.parallelism(),
                conf.getOptional(StateRecoveryOptions.SAVEPOINT_PATH)
                        .map(path -> "restoring its state from " + path)
                        .orElse("without state to restore"));
        env.execute(options.jobName());
        return 0;
    }

    private int bulkLoad(Configuration conf) throws Exception {
        BulkLoadOptions options;
        try {
            List<String> files = new ArrayList<>();
            for (String f : bulkFiles == null ? List.<String>of() : bulkFiles) {
                files.add(uri(f));
            }
            BulkLoadOptions.Builder builder =
                    BulkLoadOptions.builder()
                            .bootstrapServers(bootstrapServers)
                            .topicPrefix(topicPrefix)
                            .collection(bulkCollection)
                            .files(files)
                            .format(bulkFormat == null ? null : BulkFormat.parse(bulkFormat))
                            .shards(shards)
                            .maxParallelism(maxParallelism)
                            .parallelism(
                                    parallelism != null
                                            ? parallelism
                                            : conf.getOptional(CoreOptions.DEFAULT_PARALLELISM)
                                                    .orElse(JobOptions.DEFAULT_PARALLELISM))
                            .savepointPath(bulkSavepoint == null ? null : uri(bulkSavepoint))
                            .jobName(jobName + "-bulk-load")
                            .buildThreads(RebuildOptions.from(conf).buildThreads())
                            .topic(bulkTopic)
                            .upsertsFormat(RecordFormat.parse(upsertsFormat));
            kafkaSettings().forEach(builder::kafkaProperty);
            options = builder.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        applyDefaults(conf);
        // A restarted load would resume its sources but not the points it held in memory: a
        // failed load fails, and is run again.
        conf.removeConfig(CheckpointingOptions.CHECKPOINTING_INTERVAL);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        long start = System.nanoTime();
        String savepoint =
                BulkLoad.run(StreamExecutionEnvironment.getExecutionEnvironment(conf), options);
        LOG.info(
                "bulk load of {} done in {} s; start the streaming job with"
                        + " execution.state-recovery.path: {}",
                options.topic() != null
                        ? "topic " + options.topic()
                        : "collection '" + options.collection() + "'",
                (System.nanoTime() - start) / 1_000_000_000L,
                savepoint);
        return 0;
    }

    /** A path without a scheme as an absolute file URI; anything else as given. */
    private static String uri(String path) {
        return path.contains("://") ? path : Paths.get(path).toAbsolutePath().toUri().toString();
    }

    /**
     * Adds Quiver's pipeline to {@code env}: sources, decode, the keyed index operator and the
     * dead-letter sink, every operator with a stable uid. Sets the parallelism, max parallelism
     * and, when the options force one, the checkpoint interval; state backend and checkpoint
     * storage come from the environment's configuration.
     */
    public static void build(StreamExecutionEnvironment env, JobOptions options) {
        env.setParallelism(options.parallelism());
        env.setMaxParallelism(options.maxParallelism());
        if (options.checkpointInterval() != null) {
            env.enableCheckpointing(options.checkpointInterval().toMillis());
        }
        KafkaSource<KafkaBytes> upsertsSource =
                KafkaSource.<KafkaBytes>builder()
                        // First, so that the job's own settings below win.
                        .setProperties(options.kafkaClientProperties())
                        .setBootstrapServers(options.bootstrapServers())
                        .setTopics(options.topics().upserts())
                        .setGroupId(options.jobName() + "-upserts")
                        // The topic is the log of every write: a fresh job indexes all of it; a
                        // restored one resumes from its checkpoint, one restored from a topic bulk
                        // load right after the offsets the load covered.
                        .setStartingOffsets(
                                upsertsStart(env.getConfiguration(), options.topics().upserts()))
                        .setDeserializer(new KafkaBytesDeserializer())
                        .build();
        KafkaSource<KafkaBytes> collectionsSource =
                KafkaSource.<KafkaBytes>builder()
                        .setProperties(options.kafkaClientProperties())
                        .setBootstrapServers(options.bootstrapServers())
                        .setTopics(options.topics().collections())
                        .setGroupId(options.jobName() + "-collections")
                        .setStartingOffsets(OffsetsInitializer.earliest())
                        .setDeserializer(new KafkaBytesDeserializer())
                        .build();
        DataStream<KafkaBytes> upserts =
                env.fromSource(upsertsSource, WatermarkStrategy.noWatermarks(), "upserts")
                        .uid("quiver-upserts-source")
                        .setParallelism(options.parallelism());
        DataStream<KafkaBytes> collections =
                env.fromSource(collectionsSource, WatermarkStrategy.noWatermarks(), "collections")
                        .uid("quiver-collections-source")
                        .setParallelism(1);
        SingleOutputStreamOperator<ShardOp> decoded =
                upserts.connect(collections.broadcast())
                        .transform(
                                "decode",
                                TypeInformation.of(ShardOp.class),
                                new DecodeOperator(
                                        options.upsertsFormat(),
                                        options.topics().upserts(),
                                        options.shards(),
                                        options.maxParallelism(),
                                        options.unknownCollectionGrace().toMillis()))
                        .uid("quiver-decode")
                        .setParallelism(options.parallelism());
        decoded.keyBy(new ShardKeySelector(), Types.INT)
                .transform(
                        "index",
                        Types.VOID,
                        new IndexOperator(
                                options.shards(),
                                options.maxParallelism(),
                                IndexFactory.defaults()))
                .uid("quiver-index")
                .setParallelism(options.parallelism());
        KafkaSink<DeadLetter> deadLetterSink =
                DeadLetterSerializer.sink(
                        options.kafkaClientProperties(),
                        options.bootstrapServers(),
                        options.topics().deadLetters());
        decoded.getSideOutput(DecodeOperator.DEAD_LETTERS)
                .sinkTo(deadLetterSink)
                .name("dead-letters")
                .uid("quiver-dead-letter-sink")
                .setParallelism(options.parallelism());
    }

    /**
     * Where the upserts source starts when it has no state of its own: right after the offsets a
     * topic bulk load covered when the job is restored from that load's savepoint ({@link
     * LoadedOffsets}), else at the earliest offsets. A restored source ignores it.
     */
    static OffsetsInitializer upsertsStart(ReadableConfig conf, String upsertsTopic) {
        String restore = conf.getOptional(StateRecoveryOptions.SAVEPOINT_PATH).orElse(null);
        if (restore == null) {
            return OffsetsInitializer.earliest();
        }
        LoadedOffsets loaded;
        try {
            loaded = LoadedOffsets.readFrom(restore);
        } catch (UnsupportedFileSystemSchemeException e) {
            // Not readable where the job is built: Flink reads it on the cluster, Quiver cannot.
            LOG.warn(
                    "cannot look for {} in {} ({}); the upserts source starts at its earliest"
                            + " offsets",
                    LoadedOffsets.FILE_NAME,
                    restore,
                    e.getMessage());
            return OffsetsInitializer.earliest();
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the bulk load's offsets in " + restore + ": " + e.getMessage(), e);
        }
        if (loaded == null) {
            return OffsetsInitializer.earliest();
        }
        if (!loaded.topic().equals(upsertsTopic)) {
            LOG.info(
                    "{} was loaded from topic {}, not {}: the upserts source starts at its"
                            + " earliest offsets",
                    restore,
                    loaded.topic(),
                    upsertsTopic);
            return OffsetsInitializer.earliest();
        }
        Map<TopicPartition, Long> start = new HashMap<>();
        loaded.next()
                .forEach((p, offset) -> start.put(new TopicPartition(upsertsTopic, p), offset));
        LOG.info("the upserts source starts after the bulk-loaded offsets {}", loaded.next());
        // Partitions added after the load start at their earliest offset.
        return OffsetsInitializer.offsets(start);
    }

    /** --kafka-properties-file, then every --kafka-property over it. */
    Map<String, String> kafkaSettings() {
        return KafkaClientSettings.merge(kafkaPropertiesFile, kafkaProperties);
    }

    /** The Flink configuration from {@code dir}, else $FLINK_CONF_DIR, else an empty one. */
    static Configuration loadConfiguration(String dir) {
        if (dir != null) {
            return GlobalConfiguration.loadConfiguration(dir);
        }
        String env = System.getenv("FLINK_CONF_DIR");
        return env == null ? new Configuration() : GlobalConfiguration.loadConfiguration(env);
    }

    /** RocksDB with incremental checkpoints every 10 s unless the configuration says otherwise. */
    static void applyDefaults(Configuration conf) {
        if (!conf.contains(StateBackendOptions.STATE_BACKEND)) {
            conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        }
        if (!conf.contains(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)) {
            conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        }
        if (!conf.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(10));
        }
        if (!conf.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
            LOG.warn(
                    "{} is not set: checkpoints live in JobManager memory and the index does not"
                            + " survive a JobManager restart",
                    CheckpointingOptions.CHECKPOINTS_DIRECTORY.key());
        }
    }

    /**
     * Fails with the set-up instruction when Queryable State is off in {@code conf}, or, when
     * {@code configOnly} is false (a local run), when its runtime is not on the classpath.
     */
    static void checkQueryableState(Configuration conf, boolean configOnly) {
        if (!conf.get(QueryableStateOptions.ENABLE_QUERYABLE_STATE_PROXY_SERVER)) {
            throw new IllegalStateException(QS_INSTRUCTION);
        }
        if (!configOnly) {
            try {
                Class.forName(QS_RUNTIME_CLASS, false, QuiverJob.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(QS_INSTRUCTION, e);
            }
        }
    }

    /** Routes an op by its precomputed shard key. */
    static final class ShardKeySelector implements KeySelector<ShardOp, Integer> {
        private static final long serialVersionUID = 1L;

        @Override
        public Integer getKey(ShardOp op) {
            return op.shardKey;
        }
    }
}
