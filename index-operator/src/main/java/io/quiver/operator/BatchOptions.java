package io.quiver.operator;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Flink configuration keys of the index operator's upsert batches, read like {@link
 * RebuildOptions}.
 *
 * <p>Upserts that arrive within {@link #MAX_DELAY_MILLIS} of the first one, up to {@link #MAX_OPS},
 * are applied together: their records are written to state in arrival order, then each shard's
 * collections take their points as one batch, the batches of different shards and collections side
 * by side on {@code quiver.index.build-threads} threads. A MARKER, a delete, a spec change and
 * every checkpoint apply the pending batch first, so applied offsets never run ahead of what
 * searches see. A shard that finds a backlog (after a restart or a stall) thus links many points at
 * once on all build threads instead of one after another on the task thread; under light load a
 * point waits at most the delay before it is searchable.
 *
 * <p>Applying a batch makes its points searchable and queues their linking into the HNSW graphs on
 * the build threads ({@link #MAX_UNLINKED} bounds the queue); the task thread goes on with the next
 * records meanwhile. A collection's graph snapshot (at a checkpoint) is cut on its background
 * thread once the ops queued before it started are linked; the task thread does not wait.
 */
public final class BatchOptions {

    /** Pending upserts at which a batch is applied at once. */
    public static final ConfigOption<Integer> MAX_OPS =
            ConfigOptions.key("quiver.ingest.batch-max-ops")
                    .intType()
                    .defaultValue(512)
                    .withDescription(
                            "Apply pending upserts as soon as this many are buffered; at least 1.");

    /**
     * Longest time an upsert waits for others to share its batch. 2 ms: a small part of the 100 ms
     * freshness goal, and at a few thousand upserts per second per subtask enough to batch several
     * per shard when a backlog builds. 0 applies every upsert as it arrives.
     */
    public static final ConfigOption<Long> MAX_DELAY_MILLIS =
            ConfigOptions.key("quiver.ingest.batch-delay-ms")
                    .longType()
                    .defaultValue(2L)
                    .withDescription(
                            "Longest wait, in ms, of an upsert for others to share its batch; 0"
                                    + " applies every upsert as it arrives.");

    /**
     * Writes that may be searchable but not yet linked into their HNSW graphs, over one operator
     * subtask's collections; the task thread blocks when this many are queued. 0 links every batch
     * before its points become searchable, on the task thread's watch (the behaviour before link
     * lanes).
     *
     * <p>2,048 from the arithmetic on the e2e bench ({@code --quick}: 128-d vectors, 32 shards, two
     * cores, about 330 µs of CPU per insert into a cold shard): a full queue is about 2,048 × 330
     * µs / 2 build threads ≈ 0.35 s of linking, the most a graph snapshot's cut waits for, and
     * about 1.5 s of ingest at the bench's 1,300-1,500 writes/s, so a GC pause or a checkpoint is
     * absorbed instead of backing the stream up into Flink's buffers and Kafka. A search scores
     * each unlinked point of a shard it visits exactly; {@code scripts/bench/ann masked-scan}
     * measures what that costs one shard search (3,125 linked points, M 16, ef 64, k 10) against
     * the same shard with none unlinked: 64 / 256 / 1,024 / 2,048 unlinked points make it 1.13 /
     * 1.30 / 2.15 / 3.2 times as long at 128 dimensions, 1.14 / 1.33 / 2.18 / 5.4 times at 784.
     * Spread over 16 shards a subtask's 2,048 are 128 per shard.
     */
    public static final ConfigOption<Integer> MAX_UNLINKED =
            ConfigOptions.key("quiver.ingest.max-unlinked")
                    .intType()
                    .defaultValue(2048)
                    .withDescription(
                            "Most writes per operator subtask that are searchable (by exact scan)"
                                    + " but not yet linked into their index; the task thread"
                                    + " blocks beyond it. 0 links every write before it is"
                                    + " searchable.");

    /**
     * How long a collection's link lane waits for a group of 32 ops before it links what it holds
     * (a full group links at once, and so does every lane when something waits for the lanes). A
     * graph that takes its inserts in runs finds its neighbourhoods in cache: one insert into one
     * of 16 graphs of 3,125 128-d points (M 16) taking inserts in turn cost about 510 µs alone and
     * 310 / 270 / 245 µs in runs of 8 / 16 / 32. Off (0) by default: at the e2e bench's sustained
     * rate (about 50 writes per second per shard) 500 ms gathered runs of about 25, but the runs
     * came due together and linking in bursts raised freshness p99 from 118-174 to 204-232 ms in
     * quiet interleaved pairs. Only linking waits: writes are searchable meanwhile, each search of
     * a shard scoring its queued points exactly.
     */
    public static final ConfigOption<Long> LINK_LINGER_MILLIS =
            ConfigOptions.key("quiver.ingest.link-linger-ms")
                    .longType()
                    .defaultValue(0L)
                    .withDescription(
                            "Longest wait, in ms, of a collection's link lane for a group of 32"
                                    + " ops before it links what it holds; 0 links from the first"
                                    + " op.");

    private final int maxOps;
    private final long maxDelayMillis;
    private final int maxUnlinked;
    private final long linkLingerMillis;

    private BatchOptions(int maxOps, long maxDelayMillis, int maxUnlinked, long linkLingerMillis) {
        if (maxOps < 1) {
            throw new IllegalArgumentException(
                    MAX_OPS.key() + " must be at least 1, got " + maxOps);
        }
        if (maxDelayMillis < 0) {
            throw new IllegalArgumentException(
                    MAX_DELAY_MILLIS.key() + " must be 0 or positive, got " + maxDelayMillis);
        }
        if (maxUnlinked < 0) {
            throw new IllegalArgumentException(
                    MAX_UNLINKED.key() + " must be 0 or positive, got " + maxUnlinked);
        }
        if (linkLingerMillis < 0) {
            throw new IllegalArgumentException(
                    LINK_LINGER_MILLIS.key() + " must be 0 or positive, got " + linkLingerMillis);
        }
        this.maxOps = maxOps;
        this.maxDelayMillis = maxDelayMillis;
        this.maxUnlinked = maxUnlinked;
        this.linkLingerMillis = linkLingerMillis;
    }

    /** The options in {@code conf}, validated. */
    public static BatchOptions from(Configuration conf) {
        return new BatchOptions(
                conf.get(MAX_OPS),
                conf.get(MAX_DELAY_MILLIS),
                conf.get(MAX_UNLINKED),
                conf.get(LINK_LINGER_MILLIS));
    }

    public int maxOps() {
        return maxOps;
    }

    public long maxDelayMillis() {
        return maxDelayMillis;
    }

    /** {@link #MAX_UNLINKED}; 0 when points are linked before they are searchable. */
    public int maxUnlinked() {
        return maxUnlinked;
    }

    /** {@link #LINK_LINGER_MILLIS}. */
    public long linkLingerMillis() {
        return linkLingerMillis;
    }

    /** Whether upserts are buffered at all. */
    public boolean batching() {
        return maxDelayMillis > 0 && maxOps > 1;
    }
}
