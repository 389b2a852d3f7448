package io.quiver.query.consistency;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * {@link EndOffsets} through a Kafka {@link Admin} client: describe the topic (partitions may be
 * added at any time), then list the latest offset of each partition. Two round trips to the broker,
 * both asynchronous.
 */
public final class KafkaEndOffsets implements EndOffsets, AutoCloseable {

    private final Admin admin;

    /**
     * @param kafkaProperties at least {@code bootstrap.servers}
     */
    public KafkaEndOffsets(Properties kafkaProperties) {
        Properties p = new Properties();
        p.putAll(kafkaProperties);
        p.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "quiver-query-offsets");
        this.admin = Admin.create(p);
    }

    @Override
    public CompletableFuture<Map<Integer, Long>> lastOffsets(String topic) {
        return admin.describeTopics(List.of(topic))
                .allTopicNames()
                .toCompletionStage()
                .toCompletableFuture()
                .thenCompose(
                        topics -> {
                            TopicDescription d = topics.get(topic);
                            Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
                            d.partitions()
                                    .forEach(
                                            p ->
                                                    ask.put(
                                                            new TopicPartition(
                                                                    topic, p.partition()),
                                                            OffsetSpec.latest()));
                            return admin.listOffsets(ask)
                                    .all()
                                    .toCompletionStage()
                                    .toCompletableFuture();
                        })
                .thenApply(KafkaEndOffsets::lastRecordOffsets);
    }

    private static Map<Integer, Long> lastRecordOffsets(
            Map<TopicPartition, ListOffsetsResultInfo> ends) {
        Map<Integer, Long> out = new TreeMap<>();
        ends.forEach(
                (tp, info) -> {
                    // The end offset is the next one to be written; an empty partition needs no
                    // wait.
                    if (info.offset() > 0) {
                        out.put(tp.partition(), info.offset() - 1);
                    }
                });
        return out;
    }

    @Override
    public void close() {
        admin.close();
    }
}
