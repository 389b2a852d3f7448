package io.quiver.query.routing;

import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.JobID;

/** Reads one shard's serialized {@code ShardStatus} from the running job. */
public interface ShardStatusLookup extends AutoCloseable {

    /**
     * The status bytes stored under Flink key {@code key}; completes exceptionally when the lookup
     * fails (the message says why: Flink reports a restarting job as {@code UnknownKvStateLocation}
     * in the text, not as a typed cause).
     */
    CompletableFuture<byte[]> lookup(JobID job, int key);

    @Override
    void close();
}
