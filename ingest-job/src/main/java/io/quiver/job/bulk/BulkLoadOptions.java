package io.quiver.job.bulk;

import io.quiver.operator.RebuildOptions;
import io.quiver.schemas.KafkaClientSettings;
import io.quiver.schemas.Limits;
import io.quiver.schemas.Topics;
import io.quiver.schemas.record.RecordFormat;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What a bulk load reads and where its savepoint goes; {@link Builder#build()} validates every
 * value and names the bad one. Shards and max parallelism must be those of the streaming job that
 * will start from the savepoint.
 *
 * <p>A load reads either files into one collection ({@link Builder#collection}, {@link
 * Builder#files}) or a topic of upserts into every collection it holds ({@link Builder#topic}).
 */
public final class BulkLoadOptions {

    private final String bootstrapServers;
    private final Topics topics;
    private final String collection;
    private final List<String> files;
    private final BulkFormat format;
    private final int shards;
    private final int maxParallelism;
    private final int parallelism;
    private final String savepointPath;
    private final String jobName;
    private final int buildThreads;
    private final String topic;
    private final RecordFormat upsertsFormat;
    private final Map<String, String> kafkaProperties;

    private BulkLoadOptions(Builder b) {
        this.topic = b.topic;
        this.upsertsFormat = b.upsertsFormat;
        this.kafkaProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.kafkaProperties));
        this.buildThreads = b.buildThreads;
        this.bootstrapServers = b.bootstrapServers;
        this.topics = new Topics(b.topicPrefix);
        this.collection = b.collection;
        this.files = List.copyOf(b.files);
        this.format = b.format;
        this.shards = b.shards;
        this.maxParallelism = b.maxParallelism;
        this.parallelism = b.parallelism;
        this.savepointPath = b.savepointPath;
        this.jobName = b.jobName;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String collectionsTopic() {
        return topics.collections();
    }

    /** The deployment's topics (upserts, collections, dead letters). */
    public Topics topics() {
        return topics;
    }

    /** The topic a topic load reads, or null for a file load. */
    public String topic() {
        return topic;
    }

    /** How a topic load decodes its records. */
    public RecordFormat upsertsFormat() {
        return upsertsFormat;
    }

    /** Extra Kafka client settings (SASL, TLS, ...) for every Kafka client of the load. */
    public Map<String, String> kafkaProperties() {
        return kafkaProperties;
    }

    /** {@link #kafkaProperties()} with the bootstrap servers, as a Kafka client takes them. */
    public Properties kafkaClientProperties() {
        return KafkaClientSettings.clientProperties(kafkaProperties, bootstrapServers);
    }

    /** The collection a file load fills; null for a topic load (it fills every collection). */
    public String collection() {
        return collection;
    }

    public List<String> files() {
        return files;
    }

    /** The files' format, or null: told by each file's extension. */
    public BulkFormat format() {
        return format;
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

    public String savepointPath() {
        return savepointPath;
    }

    public String jobName() {
        return jobName;
    }

    /** Threads each shard's graph is linked on ({@code quiver.index.build-threads}). */
    public int buildThreads() {
        return buildThreads;
    }

    /**
     * Builder; bootstrap servers and the savepoint path are required, and either a collection and
     * files or a topic.
     */
    public static final class Builder {
        private String bootstrapServers;
        private String topicPrefix = Topics.DEFAULT_PREFIX;
        private String collection;
        private List<String> files = List.of();
        private BulkFormat format;
        private int shards = 32;
        private int maxParallelism = 128;
        private int parallelism = 2;
        private String savepointPath;
        private String jobName = "quiver-bulk-load";
        private int buildThreads = RebuildOptions.BUILD_THREADS.defaultValue();
        private String topic;
        private RecordFormat upsertsFormat = RecordFormat.AUTO;
        private final Map<String, String> kafkaProperties = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Reads this topic (usually {@code <prefix>.upserts}) from its earliest offsets to the end
         * offsets seen at the start, instead of files, into every collection defined on the
         * collections topic.
         */
        public Builder topic(String v) {
            topic = v;
            return this;
        }

        public Builder upsertsFormat(RecordFormat v) {
            upsertsFormat = v;
            return this;
        }

        /** A Kafka client setting for every Kafka client of the load, e.g. SASL or TLS. */
        public Builder kafkaProperty(String key, String value) {
            kafkaProperties.put(key, value);
            return this;
        }

        public Builder bootstrapServers(String v) {
            bootstrapServers = v;
            return this;
        }

        public Builder topicPrefix(String v) {
            topicPrefix = v;
            return this;
        }

        public Builder collection(String v) {
            collection = v;
            return this;
        }

        /** Paths or URIs Flink's file systems can open ({@code file:///...}, {@code s3://...}). */
        public Builder files(List<String> v) {
            files = v;
            return this;
        }

        /** Null tells the format from each file's extension. */
        public Builder format(BulkFormat v) {
            format = v;
            return this;
        }

        public Builder shards(int v) {
            shards = v;
            return this;
        }

        public Builder maxParallelism(int v) {
            maxParallelism = v;
            return this;
        }

        public Builder parallelism(int v) {
            parallelism = v;
            return this;
        }

        public Builder savepointPath(String v) {
            savepointPath = v;
            return this;
        }

        public Builder jobName(String v) {
            jobName = v;
            return this;
        }

        public Builder buildThreads(int v) {
            buildThreads = v;
            return this;
        }

        public BulkLoadOptions build() {
            if (buildThreads < 1) {
                throw new IllegalArgumentException(
                        "build threads must be at least 1, got " + buildThreads);
            }
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bulk load needs --bootstrap-servers");
            }
            for (Map.Entry<String, String> e : kafkaProperties.entrySet()) {
                if (e.getKey() == null || e.getKey().isBlank() || e.getValue() == null) {
                    throw new IllegalArgumentException(
                            "Kafka properties need a key and a value, got '" + e.getKey() + "'");
                }
            }
            if (topic != null) {
                checkTopicLoad();
            } else {
                checkFileLoad();
            }
            if (savepointPath == null || savepointPath.isBlank()) {
                throw new IllegalArgumentException("bulk load needs --bulk-savepoint");
            }
            if (shards < 1 || maxParallelism < shards) {
                throw new IllegalArgumentException(
                        "shards must be >= 1 and at most max parallelism, got "
                                + shards
                                + " and "
                                + maxParallelism);
            }
            if (parallelism < 1 || parallelism > maxParallelism) {
                throw new IllegalArgumentException(
                        "parallelism must be between 1 and "
                                + maxParallelism
                                + ", got "
                                + parallelism);
            }
            return new BulkLoadOptions(this);
        }

        private void checkTopicLoad() {
            if (topic.isBlank()) {
                throw new IllegalArgumentException("--bulk-topic must name a topic");
            }
            if (files != null && !files.isEmpty()) {
                throw new IllegalArgumentException(
                        "a bulk load reads either --bulk-topic or --bulk-file, not both");
            }
            if (collection != null) {
                // The streaming job continues after the loaded offsets: a record of a collection
                // left out would never be applied.
                throw new IllegalArgumentException(
                        "a topic load fills every collection the topic holds, so that the"
                                + " streaming job can continue after the loaded offsets; drop"
                                + " --bulk-collection");
            }
            if (upsertsFormat == null) {
                throw new IllegalArgumentException("upserts format must be auto, json or avro");
            }
        }

        private void checkFileLoad() {
            if (collection == null) {
                throw new IllegalArgumentException(
                        "bulk load needs --bulk-collection (with --bulk-file) or --bulk-topic");
            }
            Limits.checkCollectionName(collection);
            if (files == null || files.isEmpty()) {
                throw new IllegalArgumentException("bulk load needs at least one --bulk-file");
            }
            int positional = 0;
            for (String f : files) {
                BulkFormat ff = format != null ? format : BulkFormat.ofFile(f);
                if (!ff.carriesIds()) {
                    positional++;
                }
            }
            if (positional > 0 && files.size() > 1) {
                // Ids come from the position within a file: two such files would share ids.
                throw new IllegalArgumentException(
                        "fvecs and npy files get their ids from the position (0, 1, ...): load one"
                                + " such file per run, got "
                                + files.size()
                                + " files");
            }
        }
    }
}
