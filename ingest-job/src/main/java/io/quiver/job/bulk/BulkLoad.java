package io.quiver.job.bulk;

import io.quiver.job.decode.DecodeOperator;
import io.quiver.job.kafka.DeadLetterSerializer;
import io.quiver.job.kafka.KafkaBytes;
import io.quiver.job.kafka.KafkaBytesDeserializer;
import io.quiver.operator.IndexFactory;
import io.quiver.operator.ShardOp;
import io.quiver.schemas.collection.CollectionSpecs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.fs.Path;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bulk load: a bounded Flink job that reads points from files (one collection) or from a topic of
 * upserts (every collection it holds) and writes a savepoint holding exactly the index operator's
 * state a streaming job would have built from them (records, specs, and per shard an HNSW graph
 * built with the bulk builder as its first snapshot). The streaming job started from that savepoint
 * ({@code execution.state-recovery.path}) loads the graphs and serves the points at once.
 *
 * <p>Offsets rule for files: the files are independent of the upserts topic. The savepoint holds no
 * Kafka offsets, so the streaming job reads the whole upserts topic from its earliest offset on top
 * of the loaded points: a topic record for an id the files also hold wins (it is applied later), as
 * if the files had been written to the topic first.
 *
 * <p>Offsets rule for a topic: the load reads each partition from its earliest offset up to the end
 * offset seen when it starts ({@link LoadedOffsets}), decodes with the streaming job's decoder
 * (refused records go to the dead-letter topic with their reason), applies upserts and deletes per
 * id in offset order, and writes the offsets it covered into the savepoint: into every shard's
 * applied offsets and, as {@value LoadedOffsets#FILE_NAME}, beside the savepoint's metadata. When
 * the topic is the deployment's upserts topic, the streaming job restored from the savepoint starts
 * reading it right after those offsets: no record is applied twice, none is skipped.
 *
 * <p>A load that fails is not resumed (checkpointing and restarts are off): run it again.
 */
public final class BulkLoad {

    private static final Logger LOG = LoggerFactory.getLogger(BulkLoad.class);

    /** The uid of the streaming job's index operator, whose state the savepoint holds. */
    public static final String INDEX_UID = "quiver-index";

    /** The checkpoint id the savepoint is written under (as Flink's state processor does). */
    static final long CHECKPOINT_ID = 0L;

    private BulkLoad() {}

    /**
     * Adds the bulk load to {@code env} (batch execution is not used: the index writer needs the
     * keyed RocksDB backend) and returns the writer; {@link SavepointWriter#write} must be called
     * before executing.
     *
     * @param spec the collection's spec as on the collections topic ({@link #readSpec})
     */
    public static SavepointWriter build(
            StreamExecutionEnvironment env, BulkLoadOptions options, byte[] spec) {
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        env.setParallelism(options.parallelism());
        env.setMaxParallelism(options.maxParallelism());
        DataStream<ShardOp> ops =
                env.fromSequence(0, options.files().size() - 1)
                        .name("bulk-files")
                        // One reader per file: file numbers are spread over the readers.
                        .rebalance()
                        .flatMap(
                                new ReadBulkFile(
                                        options.files(),
                                        options.format(),
                                        options.collection(),
                                        spec,
                                        options.shards(),
                                        options.maxParallelism()))
                        .returns(TypeInformation.of(ShardOp.class))
                        .name("bulk-read");
        return index(env, options, ops, Map.of(options.collection(), spec), false, Map.of());
    }

    /**
     * Adds a topic load to {@code env}: a bounded Kafka source from the earliest offsets to {@code
     * end}, decode (refused records to the dead-letter topic), and the index writer; returns the
     * writer, on which {@link SavepointWriter#write} must be called before executing.
     *
     * @param specs every collection's spec as on the collections topic ({@link #readSpecs})
     * @param end where to stop reading ({@link LoadedOffsets#endOf})
     */
    public static SavepointWriter buildFromTopic(
            StreamExecutionEnvironment env,
            BulkLoadOptions options,
            Map<String, byte[]> specs,
            LoadedOffsets end) {
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        env.setParallelism(options.parallelism());
        env.setMaxParallelism(options.maxParallelism());
        Map<TopicPartition, Long> stop = new HashMap<>();
        end.next().forEach((p, offset) -> stop.put(new TopicPartition(end.topic(), p), offset));
        KafkaSource<KafkaBytes> source =
                KafkaSource.<KafkaBytes>builder()
                        // First, so that the load's own settings below win.
                        .setProperties(options.kafkaClientProperties())
                        .setBootstrapServers(options.bootstrapServers())
                        .setTopics(end.topic())
                        .setGroupId(options.jobName())
                        .setStartingOffsets(OffsetsInitializer.earliest())
                        .setBounded(OffsetsInitializer.offsets(stop))
                        .setDeserializer(new KafkaBytesDeserializer())
                        .build();
        SingleOutputStreamOperator<ShardOp> ops =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "bulk-topic")
                        .process(
                                new DecodeTopicRecord(
                                        options.upsertsFormat(),
                                        end.topic(),
                                        options.collectionsTopic(),
                                        specs,
                                        options.shards(),
                                        options.maxParallelism()))
                        .returns(TypeInformation.of(ShardOp.class))
                        .name("bulk-decode");
        ops.getSideOutput(DecodeOperator.DEAD_LETTERS)
                .sinkTo(
                        DeadLetterSerializer.sink(
                                options.kafkaClientProperties(),
                                options.bootstrapServers(),
                                options.topics().deadLetters()))
                .name("dead-letters");
        // Applied offsets describe the upserts topic only; another topic's mean nothing to it.
        Map<Integer, Long> applied = new TreeMap<>();
        if (end.topic().equals(options.topics().upserts())) {
            end.next()
                    .forEach(
                            (p, next) -> {
                                if (next > 0) {
                                    applied.put(p, next - 1);
                                }
                            });
        }
        return index(env, options, ops, specs, true, applied);
    }

    private static SavepointWriter index(
            StreamExecutionEnvironment env,
            BulkLoadOptions options,
            DataStream<ShardOp> ops,
            Map<String, byte[]> specs,
            boolean lastWriteWins,
            Map<Integer, Long> applied) {
        IndexFactory factory = IndexFactory.defaults();
        int buildThreads = options.buildThreads();
        int shards = options.shards();
        StateBootstrapTransformation<ShardOp> index =
                OperatorTransformation.bootstrapWith(ops, CHECKPOINT_ID)
                        .keyBy(op -> op.shardKey, Types.INT)
                        .transform(
                                (timestamp, path) ->
                                        SimpleOperatorFactory.of(
                                                new BulkIndexOperator(
                                                        CHECKPOINT_ID,
                                                        timestamp,
                                                        path,
                                                        specs,
                                                        factory,
                                                        buildThreads,
                                                        shards,
                                                        lastWriteWins,
                                                        applied)));
        return SavepointWriter.newSavepoint(
                        env, new EmbeddedRocksDBStateBackend(true), options.maxParallelism())
                .withOperator(OperatorIdentifier.forUid(INDEX_UID), index);
    }

    /** Runs the load on {@code env} and returns the savepoint's path. */
    public static String run(StreamExecutionEnvironment env, BulkLoadOptions options)
            throws Exception {
        Properties client = options.kafkaClientProperties();
        if (options.topic() == null) {
            byte[] spec = readSpec(client, options.collectionsTopic(), options.collection());
            build(env, options, spec).write(options.savepointPath());
            env.execute(options.jobName());
            return new Path(options.savepointPath()).toString();
        }
        Map<String, byte[]> specs = readSpecs(client, options.collectionsTopic());
        LoadedOffsets end = LoadedOffsets.endOf(options.topic(), client);
        LOG.info(
                "bulk load: reading {} up to {} ({} records at most) into {} collections {}",
                end.topic(),
                end.next(),
                end.total(),
                specs.size(),
                specs.keySet());
        buildFromTopic(env, options, specs, end).write(options.savepointPath());
        env.execute(options.jobName());
        end.writeTo(options.savepointPath());
        return new Path(options.savepointPath()).toString();
    }

    /**
     * The collection's current spec on the compacted collections topic (the bytes a streaming job
     * would read), read from its beginning to its end at call time.
     *
     * @param clientProperties bootstrap servers and any other Kafka client settings
     * @throws IllegalArgumentException when the topic holds no spec for {@code collection} or its
     *     last record deleted it
     */
    public static byte[] readSpec(Properties clientProperties, String topic, String collection) {
        byte[] found = readSpecs(clientProperties, topic).get(collection);
        if (found == null) {
            throw new IllegalArgumentException(
                    "collection '"
                            + collection
                            + "' is not defined on "
                            + topic
                            + ": create it (PUT /collections/"
                            + collection
                            + ") before loading it");
        }
        return found;
    }

    /**
     * Every collection's current spec on the compacted collections topic, read from its beginning
     * to its end at call time; a spec that does not parse is left out with a warning, as the
     * streaming job ignores it.
     *
     * @param clientProperties bootstrap servers and any other Kafka client settings
     */
    public static Map<String, byte[]> readSpecs(Properties clientProperties, String topic) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        Map<String, byte[]> found = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            boolean done = false;
            while (!done) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() == null) {
                        continue;
                    }
                    String name = new String(r.key(), StandardCharsets.UTF_8);
                    if (r.value() == null) {
                        found.remove(name);
                    } else {
                        found.put(name, r.value());
                    }
                }
                done = true;
                for (TopicPartition tp : partitions) {
                    if (consumer.position(tp) < end.get(tp)) {
                        done = false;
                    }
                }
            }
        }
        for (var it = found.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            try {
                CollectionSpecs.decode(e.getKey(), e.getValue());
            } catch (IllegalArgumentException ex) {
                LOG.warn(
                        "ignoring the invalid spec of collection '{}': {}",
                        e.getKey(),
                        ex.getMessage());
                it.remove();
            }
        }
        return found;
    }
}
