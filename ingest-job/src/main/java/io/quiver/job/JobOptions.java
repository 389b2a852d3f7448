package io.quiver.job;

import io.quiver.schemas.KafkaClientSettings;
import io.quiver.schemas.Topics;
import io.quiver.schemas.record.RecordFormat;
import io.quiver.schemas.routing.ShardKeys;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Everything {@link QuiverJob#build} needs to lay out the pipeline. Build with {@link #builder()};
 * {@link Builder#build()} validates every value and names the bad one.
 */
public final class JobOptions {

    public static final String DEFAULT_JOB_NAME = "quiver";
    public static final int DEFAULT_PARALLELISM = 2;
    public static final int DEFAULT_UPSERTS_PARTITIONS = 4;

    /**
     * How long a record of a not-yet-known collection waits for its spec: long enough to cover a
     * producer that creates a collection and writes to it at once, short enough that a typo in a
     * collection name reaches the dead-letter topic quickly.
     */
    public static final Duration DEFAULT_UNKNOWN_COLLECTION_GRACE = Duration.ofSeconds(10);

    private final String bootstrapServers;
    private final Topics topics;
    private final int shards;
    private final int maxParallelism;
    private final int parallelism;
    private final String jobName;
    private final RecordFormat upsertsFormat;
    private final Duration checkpointInterval;
    private final Duration unknownCollectionGrace;
    private final int upsertsPartitions;
    private final Map<String, String> kafkaProperties;

    /** Settings the job makes itself; the message says what to use instead. */
    private static final Map<String, String> RESERVED_KAFKA_PROPERTIES =
            Map.of(
                    "bootstrap.servers", "use --bootstrap-servers",
                    "group.id", "the job names its consumer groups after --job-name");

    private JobOptions(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.topics = new Topics(b.topicPrefix);
        this.shards = b.shards;
        this.maxParallelism = b.maxParallelism;
        this.parallelism = b.parallelism;
        this.jobName = b.jobName;
        this.upsertsFormat = b.upsertsFormat;
        this.checkpointInterval = b.checkpointInterval;
        this.unknownCollectionGrace = b.unknownCollectionGrace;
        this.upsertsPartitions = b.upsertsPartitions;
        this.kafkaProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.kafkaProperties));
    }

    public static Builder builder() {
        return new Builder();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Topics topics() {
        return topics;
    }

    public int shards() {
        return shards;
    }

    public int maxParallelism() {
        return maxParallelism;
    }

    public int parallelism() {
        return parallelism;
    }

    public String jobName() {
        return jobName;
    }

    public RecordFormat upsertsFormat() {
        return upsertsFormat;
    }

    /** The checkpoint interval to force, or null to keep the Flink configuration's. */
    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    public Duration unknownCollectionGrace() {
        return unknownCollectionGrace;
    }

    /** Partitions of the upserts topic when the job creates it. */
    public int upsertsPartitions() {
        return upsertsPartitions;
    }

    /**
     * Extra Kafka client settings (SASL, TLS, timeouts) for every Kafka client of the job: both
     * sources, the dead-letter sink and the admin client that creates topics.
     */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    /** {@link #kafkaProperties()} with the bootstrap servers, as a Kafka client takes them. */
    public Properties kafkaClientProperties() {
        return KafkaClientSettings.clientProperties(kafkaProperties, bootstrapServers);
    }

    /** Builder with Quiver's defaults; only the bootstrap servers are required. */
    public static final class Builder {
        private String bootstrapServers;
        private String topicPrefix = Topics.DEFAULT_PREFIX;
        private int shards = ShardKeys.DEFAULT_SHARDS;
        private int maxParallelism = ShardKeys.DEFAULT_MAX_PARALLELISM;
        private int parallelism = DEFAULT_PARALLELISM;
        private String jobName = DEFAULT_JOB_NAME;
        private RecordFormat upsertsFormat = RecordFormat.AUTO;
        private Duration checkpointInterval;
        private Duration unknownCollectionGrace = DEFAULT_UNKNOWN_COLLECTION_GRACE;
        private int upsertsPartitions = DEFAULT_UPSERTS_PARTITIONS;
        private final Map<String, String> kafkaProperties = new LinkedHashMap<>();

        private Builder() {}

        /**
         * A Kafka client setting for every client of the job, e.g. {@code security.protocol} =
         * {@code SASL_SSL}; see {@link JobOptions#kafkaProperties()}.
         */
        public Builder kafkaProperty(String key, String value) {
            kafkaProperties.put(key, value);
            return this;
        }

        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        public Builder topicPrefix(String topicPrefix) {
            this.topicPrefix = topicPrefix;
            return this;
        }

        public Builder shards(int shards) {
            this.shards = shards;
            return this;
        }

        public Builder maxParallelism(int maxParallelism) {
            this.maxParallelism = maxParallelism;
            return this;
        }

        public Builder parallelism(int parallelism) {
            this.parallelism = parallelism;
            return this;
        }

        public Builder jobName(String jobName) {
            this.jobName = jobName;
            return this;
        }

        public Builder upsertsFormat(RecordFormat upsertsFormat) {
            this.upsertsFormat = upsertsFormat;
            return this;
        }

        /** Forces this checkpoint interval; null keeps the Flink configuration's. */
        public Builder checkpointInterval(Duration checkpointInterval) {
            this.checkpointInterval = checkpointInterval;
            return this;
        }

        public Builder unknownCollectionGrace(Duration grace) {
            this.unknownCollectionGrace = grace;
            return this;
        }

        public Builder upsertsPartitions(int upsertsPartitions) {
            this.upsertsPartitions = upsertsPartitions;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the first invalid option
         */
        public JobOptions build() {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException(
                        "bootstrap servers are required, e.g. 127.0.0.1:9092");
            }
            new Topics(topicPrefix); // validates the prefix
            // Validates shards against max parallelism with its own message.
            new ShardKeys(shards, maxParallelism);
            if (parallelism < 1 || parallelism > maxParallelism) {
                throw new IllegalArgumentException(
                        "parallelism must be between 1 and the max parallelism ("
                                + maxParallelism
                                + "), got "
                                + parallelism);
            }
            if (jobName == null || jobName.isBlank()) {
                throw new IllegalArgumentException("job name must not be empty");
            }
            if (upsertsFormat == null) {
                throw new IllegalArgumentException("upserts format must be auto, json or avro");
            }
            if (checkpointInterval != null && checkpointInterval.toMillis() < 10) {
                throw new IllegalArgumentException(
                        "checkpoint interval must be at least 10 ms, got " + checkpointInterval);
            }
            if (unknownCollectionGrace == null || unknownCollectionGrace.isNegative()) {
                throw new IllegalArgumentException(
                        "unknown-collection grace period must be >= 0, got "
                                + unknownCollectionGrace);
            }
            for (Map.Entry<String, String> e : kafkaProperties.entrySet()) {
                String key = e.getKey();
                if (key == null || key.isBlank() || e.getValue() == null) {
                    throw new IllegalArgumentException(
                            "Kafka properties need a key and a value, got '" + key + "'");
                }
                if (RESERVED_KAFKA_PROPERTIES.containsKey(key.trim())) {
                    throw new IllegalArgumentException(
                            "Kafka property '"
                                    + key
                                    + "' is set by the job: "
                                    + RESERVED_KAFKA_PROPERTIES.get(key.trim()));
                }
            }
            if (upsertsPartitions < 1) {
                throw new IllegalArgumentException(
                        "upserts partitions must be >= 1, got " + upsertsPartitions);
            }
            return new JobOptions(this);
        }
    }
}
