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

    private final int maxOps;
    private final long maxDelayMillis;

    private BatchOptions(int maxOps, long maxDelayMillis) {
        if (maxOps < 1) {
            throw new IllegalArgumentException(
                    MAX_OPS.key() + " must be at least 1, got " + maxOps);
        }
        if (maxDelayMillis < 0) {
            throw new IllegalArgumentException(
                    MAX_DELAY_MILLIS.key() + " must be 0 or positive, got " + maxDelayMillis);
        }
        this.maxOps = maxOps;
        this.maxDelayMillis = maxDelayMillis;
    }

    /** The options in {@code conf}, validated. */
    public static BatchOptions from(Configuration conf) {
        return new BatchOptions(conf.get(MAX_OPS), conf.get(MAX_DELAY_MILLIS));
    }

    public int maxOps() {
        return maxOps;
    }

    public long maxDelayMillis() {
        return maxDelayMillis;
    }

    /** Whether upserts are buffered at all. */
    public boolean batching() {
        return maxDelayMillis > 0 && maxOps > 1;
    }
}
