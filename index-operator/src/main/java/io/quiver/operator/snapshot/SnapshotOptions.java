package io.quiver.operator.snapshot;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Flink configuration keys of the graph snapshot cadence, read from the TaskManager's configuration
 * with the job's configuration taking precedence.
 *
 * <p>A collection's HNSW graph is serialized again when it changed since its last snapshot and
 * either {@link #EVERY_CHECKPOINTS} checkpoints passed since then, or its delta log (ids touched
 * since the snapshot) exceeds {@link #MAX_DELTA_SHARE} of its live vectors and at least {@link
 * #MIN_DELTA_FOR_SHARE} ids. Fewer snapshots mean smaller checkpoints and more replay at restore.
 *
 * <p>Adaptive: while a collection takes more than {@link #HEAVY_INGEST_RATE} upserts and deletes
 * per second (measured between two checkpoints), the every-N-checkpoints rule waits: rewriting the
 * whole graph then would only be outdated again at once and add its bytes to the checkpoint. The
 * delta-share rule still applies, so the delta log stays bounded.
 */
public final class SnapshotOptions {

    /** Snapshot at most every this many checkpoints per collection, when it changed. */
    public static final ConfigOption<Integer> EVERY_CHECKPOINTS =
            ConfigOptions.key("quiver.snapshot.every-checkpoints")
                    .intType()
                    .defaultValue(10)
                    .withDescription(
                            "Rewrite a changed HNSW collection's graph snapshot every this many"
                                    + " checkpoints.");

    /** Snapshot at the next checkpoint once the delta log passes this share of the collection. */
    public static final ConfigOption<Double> MAX_DELTA_SHARE =
            ConfigOptions.key("quiver.snapshot.max-delta-share")
                    .doubleType()
                    .defaultValue(0.2)
                    .withDescription(
                            "Rewrite a graph snapshot at the next checkpoint once the ids touched"
                                    + " since the last one exceed this share of the collection.");

    /** Ops per second above which a collection counts as under heavy ingest; 0 turns it off. */
    public static final ConfigOption<Double> HEAVY_INGEST_RATE =
            ConfigOptions.key("quiver.snapshot.heavy-ingest-rate")
                    .doubleType()
                    .defaultValue(1000.0)
                    .withDescription(
                            "While a collection takes more upserts and deletes per second than"
                                    + " this, its snapshot waits for the delta-share rule; 0"
                                    + " disables the deferral.");

    /**
     * Below this many touched ids the share rule does not fire: replaying a few hundred inserts at
     * restore costs less than serializing a small graph again at every checkpoint.
     */
    public static final long MIN_DELTA_FOR_SHARE = 1_000;

    private final int everyCheckpoints;
    private final double maxDeltaShare;
    private final double heavyIngestRate;

    private SnapshotOptions(int everyCheckpoints, double maxDeltaShare, double heavyIngestRate) {
        if (everyCheckpoints < 1) {
            throw new IllegalArgumentException(
                    EVERY_CHECKPOINTS.key() + " must be at least 1, got " + everyCheckpoints);
        }
        if (!(maxDeltaShare > 0) || Double.isInfinite(maxDeltaShare)) {
            throw new IllegalArgumentException(
                    MAX_DELTA_SHARE.key() + " must be a positive number, got " + maxDeltaShare);
        }
        if (!(heavyIngestRate >= 0) || Double.isInfinite(heavyIngestRate)) {
            throw new IllegalArgumentException(
                    HEAVY_INGEST_RATE.key() + " must be 0 or positive, got " + heavyIngestRate);
        }
        this.everyCheckpoints = everyCheckpoints;
        this.maxDeltaShare = maxDeltaShare;
        this.heavyIngestRate = heavyIngestRate;
    }

    /** The options in {@code conf}, validated. */
    public static SnapshotOptions from(Configuration conf) {
        return new SnapshotOptions(
                conf.get(EVERY_CHECKPOINTS),
                conf.get(MAX_DELTA_SHARE),
                conf.get(HEAVY_INGEST_RATE));
    }

    public int everyCheckpoints() {
        return everyCheckpoints;
    }

    public double maxDeltaShare() {
        return maxDeltaShare;
    }

    public double heavyIngestRate() {
        return heavyIngestRate;
    }

    /** Whether {@code opsPerSecond} counts as heavy ingest. */
    public boolean heavy(double opsPerSecond) {
        return heavyIngestRate > 0 && opsPerSecond > heavyIngestRate;
    }

    /**
     * Whether a collection whose delta log holds {@code deltaIds} ids, with {@code size} live
     * vectors and {@code checkpointsSince} checkpoints since its last snapshot, is due.
     */
    public boolean due(long deltaIds, long size, long checkpointsSince) {
        return due(deltaIds, size, checkpointsSince, 0);
    }

    /**
     * Like {@link #due(long, long, long)} for a collection that took {@code opsPerSecond} upserts
     * and deletes per second since the previous checkpoint: under heavy ingest only the delta bound
     * makes it due.
     */
    public boolean due(long deltaIds, long size, long checkpointsSince, double opsPerSecond) {
        if (deltaIds <= 0) {
            return false;
        }
        return pastDeltaBound(deltaIds, size)
                || (checkpointsSince >= everyCheckpoints && !heavy(opsPerSecond));
    }

    /**
     * Whether a delta log of {@code deltaIds} ids over {@code size} live vectors is past its bound.
     */
    public boolean pastDeltaBound(long deltaIds, long size) {
        return deltaIds >= MIN_DELTA_FOR_SHARE && deltaIds > maxDeltaShare * size;
    }
}
