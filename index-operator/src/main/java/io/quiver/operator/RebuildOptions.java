package io.quiver.operator;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Flink configuration keys of the background graph rebuild, read like {@link
 * io.quiver.operator.snapshot.SnapshotOptions} (the TaskManager's configuration with the job's on
 * top).
 *
 * <p>Deletes and re-upserts leave tombstones in an HNSW graph: searches step over them, so they
 * cost memory and search time without adding recall. A collection's graph is rebuilt in the
 * background once its tombstones exceed {@link #MAX_TOMBSTONE_SHARE} of its nodes and number at
 * least {@link #MIN_TOMBSTONES}.
 */
public final class RebuildOptions {

    /** Rebuild once this share of a graph's nodes are tombstones. */
    public static final ConfigOption<Double> MAX_TOMBSTONE_SHARE =
            ConfigOptions.key("quiver.rebuild.max-tombstone-share")
                    .doubleType()
                    .defaultValue(0.2)
                    .withDescription(
                            "Rebuild an HNSW graph in the background once deleted or replaced"
                                    + " vectors exceed this share of its nodes.");

    /**
     * Below this many tombstones no rebuild happens: a small graph rebuilt over and over costs more
     * than the few dead nodes it would drop.
     */
    public static final ConfigOption<Integer> MIN_TOMBSTONES =
            ConfigOptions.key("quiver.rebuild.min-tombstones")
                    .intType()
                    .defaultValue(1_000)
                    .withDescription(
                            "A graph is rebuilt for its tombstones only when it has at least"
                                    + " this many.");

    /**
     * Threads one graph build (restore from the records, background rebuild, bulk load) links on.
     * Default: the TaskManager's cores, since a restore or bulk load is the one time a subtask may
     * use all of them; builds of different shards on different subtasks run side by side too.
     */
    public static final ConfigOption<Integer> BUILD_THREADS =
            ConfigOptions.key("quiver.index.build-threads")
                    .intType()
                    .defaultValue(Runtime.getRuntime().availableProcessors())
                    .withDescription(
                            "Threads one HNSW graph build (restore, rebuild, bulk load) links on;"
                                    + " default: the machine's cores.");

    private final double maxTombstoneShare;
    private final int minTombstones;
    private final int buildThreads;

    private RebuildOptions(double maxTombstoneShare, int minTombstones, int buildThreads) {
        if (!(maxTombstoneShare > 0) || maxTombstoneShare >= 1) {
            throw new IllegalArgumentException(
                    MAX_TOMBSTONE_SHARE.key()
                            + " must be above 0 and below 1, got "
                            + maxTombstoneShare);
        }
        if (minTombstones < 1) {
            throw new IllegalArgumentException(
                    MIN_TOMBSTONES.key() + " must be at least 1, got " + minTombstones);
        }
        if (buildThreads < 1) {
            throw new IllegalArgumentException(
                    BUILD_THREADS.key() + " must be at least 1, got " + buildThreads);
        }
        this.maxTombstoneShare = maxTombstoneShare;
        this.minTombstones = minTombstones;
        this.buildThreads = buildThreads;
    }

    /** The options in {@code conf}, validated. */
    public static RebuildOptions from(Configuration conf) {
        return new RebuildOptions(
                conf.get(MAX_TOMBSTONE_SHARE), conf.get(MIN_TOMBSTONES), conf.get(BUILD_THREADS));
    }

    public double maxTombstoneShare() {
        return maxTombstoneShare;
    }

    public int minTombstones() {
        return minTombstones;
    }

    public int buildThreads() {
        return buildThreads;
    }

    /** Whether a graph of {@code nodes} nodes, {@code tombstones} of them dead, is due. */
    public boolean due(long tombstones, long nodes) {
        return tombstones >= minTombstones && tombstones > maxTombstoneShare * nodes;
    }
}
