package io.quiver.query.routing;

import java.io.IOException;
import java.util.Optional;
import org.apache.flink.api.common.JobID;

/** Finds the running Flink job whose state the directory reads. */
public interface JobLocator {

    /**
     * The id of the running job, or empty when none runs (not submitted yet, restarting, finished).
     *
     * @throws IOException when the cluster cannot be asked; the caller retries later
     */
    Optional<JobID> find() throws IOException;
}
