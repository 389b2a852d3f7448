package io.quiver.query.routing;

/** What the directory knows about a shard right now. */
public enum ShardState {
    /** Never located: the job is not running, or the shard never published its status. */
    UNKNOWN,
    /** Located and serving searches. */
    READY,
    /** Restoring, or its job is restarting (Flink answers {@code UnknownKvStateLocation}). */
    RECOVERING,
    /** Its last status has not been refreshed for too long: its TaskManager may be gone. */
    STALE
}
