package io.quiver.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.local.client.QuiverHttp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Completed checkpoints of the running job, read from Flink's REST API ({@code GET
 * /jobs/<id>/checkpoints}, whose history keeps only the last few, so it is polled while the phase
 * runs and remembered by id); and, on the same job, the index operator's metrics.
 */
final class CheckpointStats {

    /** One completed checkpoint: when triggered (epoch ms), end-to-end duration, sizes in bytes. */
    record Checkpoint(
            long id, long triggerMs, long durationMs, long stateSize, long checkpointedSize) {}

    private final QuiverHttp flink;
    private final String jobName;
    private final Map<Long, Checkpoint> seen = new TreeMap<>();
    private String jobId;
    private String indexVertex;

    CheckpointStats(String flinkRest, String jobName) {
        this.flink = new QuiverHttp(flinkRest);
        this.jobName = jobName;
    }

    /** Reads the history once and remembers every completed checkpoint. */
    synchronized void poll() throws IOException {
        findJob();
        JsonNode history =
                flink.call("GET", "/jobs/" + jobId + "/checkpoints", null).path("history");
        for (JsonNode c : history) {
            if ("COMPLETED".equals(c.path("status").asText())
                    && !c.path("is_savepoint").asBoolean(false)) {
                long id = c.path("id").asLong();
                seen.put(
                        id,
                        new Checkpoint(
                                id,
                                c.path("trigger_timestamp").asLong(),
                                c.path("end_to_end_duration").asLong(),
                                c.path("state_size").asLong(),
                                c.path("checkpointed_size").asLong()));
            }
        }
    }

    /**
     * The highest values over the index operator's subtasks of its metrics {@code names} (e.g.
     * {@code applyLagMs_p99}), in one request; NaN for one Flink has not reported yet.
     */
    synchronized double[] indexMetricsMax(String... names) throws IOException {
        findJob();
        if (indexVertex == null) {
            for (JsonNode v : flink.call("GET", "/jobs/" + jobId, null).path("vertices")) {
                if ("index".equals(v.path("name").asText())) {
                    indexVertex = v.path("id").asText();
                }
            }
            if (indexVertex == null) {
                throw new IOException("job " + jobId + " has no vertex named 'index'");
            }
        }
        List<String> ids = new ArrayList<>();
        for (String name : names) {
            ids.add("index." + name);
        }
        JsonNode metrics =
                flink.call(
                        "GET",
                        "/jobs/"
                                + jobId
                                + "/vertices/"
                                + indexVertex
                                + "/subtasks/metrics?get="
                                + String.join(",", ids)
                                + "&agg=max",
                        null);
        double[] out = new double[names.length];
        Arrays.fill(out, Double.NaN);
        for (JsonNode m : metrics) {
            int i = ids.indexOf(m.path("id").asText());
            if (i >= 0 && m.has("max")) {
                out[i] = m.path("max").asDouble();
            }
        }
        return out;
    }

    private void findJob() throws IOException {
        if (jobId == null) {
            for (JsonNode job : flink.call("GET", "/jobs/overview", null).path("jobs")) {
                if (jobName.equals(job.path("name").asText())
                        && "RUNNING".equals(job.path("state").asText())) {
                    jobId = job.path("jid").asText();
                }
            }
            if (jobId == null) {
                throw new IOException("no running Flink job named '" + jobName + "'");
            }
        }
    }

    /** Completed checkpoints triggered at or after {@code fromMs} (epoch ms), by id. */
    synchronized List<Checkpoint> triggeredSince(long fromMs) {
        List<Checkpoint> out = new ArrayList<>();
        for (Checkpoint c : seen.values()) {
            if (c.triggerMs() >= fromMs) {
                out.add(c);
            }
        }
        return out;
    }
}
