package io.quiver.job.bulk;

import io.quiver.operator.RebuildOptions;
import io.quiver.schemas.Limits;
import io.quiver.schemas.Topics;
import java.util.List;

/**
 * What a bulk load reads and where its savepoint goes; {@link Builder#build()} validates every
 * value and names the bad one. Shards and max parallelism must be those of the streaming job that
 * will start from the savepoint.
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

    private BulkLoadOptions(Builder b) {
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

    /** Builder; bootstrap servers, collection, files and savepoint path are required. */
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

        private Builder() {}

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
            if (collection == null) {
                throw new IllegalArgumentException("bulk load needs --bulk-collection");
            }
            Limits.checkCollectionName(collection);
            if (files == null || files.isEmpty()) {
                throw new IllegalArgumentException("bulk load needs at least one --bulk-file");
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
            return new BulkLoadOptions(this);
        }
    }
}
