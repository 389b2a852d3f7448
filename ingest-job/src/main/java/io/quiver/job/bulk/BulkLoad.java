package io.quiver.job.bulk;

import io.quiver.operator.IndexFactory;
import io.quiver.operator.ShardOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.fs.Path;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.OperatorTransformation;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.StateBootstrapTransformation;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A bulk load: a bounded Flink job that reads one collection's points from files and writes a
 * savepoint holding exactly the index operator's state a streaming job would have built from them
 * (records, spec, and per shard an HNSW graph built with the bulk builder as its first snapshot).
 * The streaming job started from that savepoint ({@code execution.state-recovery.path}) loads the
 * graphs and serves the points at once.
 *
 * <p>Offsets rule: the files are independent of the upserts topic. The savepoint holds no Kafka
 * offsets, so the streaming job reads the whole upserts topic from its earliest offset on top of
 * the loaded points: a topic record for an id the files also hold wins (it is applied later), as if
 * the files had been written to the topic first. Loading into a collection that already has points
 * on the topic is therefore exact too.
 */
public final class BulkLoad {

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
        IndexFactory factory = IndexFactory.defaults();
        int buildThreads = options.buildThreads();
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
                                                        options.collection(),
                                                        spec,
                                                        factory,
                                                        buildThreads)));
        return SavepointWriter.newSavepoint(
                        env, new EmbeddedRocksDBStateBackend(true), options.maxParallelism())
                .withOperator(OperatorIdentifier.forUid(INDEX_UID), index);
    }

    /** Runs the load on {@code env} and returns the savepoint's path. */
    public static String run(StreamExecutionEnvironment env, BulkLoadOptions options)
            throws Exception {
        byte[] spec =
                readSpec(
                        options.bootstrapServers(),
                        options.collectionsTopic(),
                        options.collection());
        build(env, options, spec).write(options.savepointPath());
        env.execute(options.jobName());
        return new Path(options.savepointPath()).toString();
    }

    /**
     * The collection's current spec on the compacted collections topic (the bytes a streaming job
     * would read), read from its beginning to its end at call time.
     *
     * @throws IllegalArgumentException when the topic holds no spec for {@code collection} or its
     *     last record deleted it
     */
    public static byte[] readSpec(String bootstrapServers, String topic, String collection) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        byte[] found = null;
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
                    if (r.key() != null
                            && collection.equals(
                                    new String(r.key(), java.nio.charset.StandardCharsets.UTF_8))) {
                        found = r.value();
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
}
