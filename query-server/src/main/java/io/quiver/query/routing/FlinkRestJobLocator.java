package io.quiver.query.routing;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.query.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import org.apache.flink.api.common.JobID;

/**
 * Finds a job by name through Flink's REST API ({@code GET <rest>/jobs/overview}): the RUNNING job
 * with that name, the most recently started one if there are several.
 */
public final class FlinkRestJobLocator implements JobLocator {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final URI overview;
    private final String jobName;
    private final HttpClient http;

    /**
     * @param restUrl the JobManager's REST address, e.g. {@code http://127.0.0.1:8081}
     * @param jobName the name the job was submitted with
     */
    public FlinkRestJobLocator(URI restUrl, String jobName) {
        String base = restUrl.toString();
        this.overview = URI.create((base.endsWith("/") ? base : base + "/") + "jobs/overview");
        this.jobName = jobName;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    @Override
    public Optional<JobID> find() throws IOException {
        HttpRequest request = HttpRequest.newBuilder(overview).timeout(TIMEOUT).GET().build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while asking " + overview, e);
        }
        if (response.statusCode() != 200) {
            throw new IOException("GET " + overview + " answered " + response.statusCode());
        }
        return pick(Json.MAPPER.readTree(response.body()), jobName);
    }

    /** Picks the job from a {@code /jobs/overview} answer. */
    static Optional<JobID> pick(JsonNode overview, String jobName) throws IOException {
        JsonNode jobs = overview.get("jobs");
        if (jobs == null || !jobs.isArray()) {
            throw new IOException("unexpected /jobs/overview answer: no 'jobs' array");
        }
        String best = null;
        long bestStart = Long.MIN_VALUE;
        for (JsonNode job : jobs) {
            if (jobName.equals(job.path("name").asText())
                    && "RUNNING".equals(job.path("state").asText())) {
                long start = job.path("start-time").asLong(0);
                if (best == null || start > bestStart) {
                    best = job.path("jid").asText();
                    bestStart = start;
                }
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(JobID.fromHexString(best));
        } catch (IllegalArgumentException e) {
            throw new IOException("job '" + jobName + "' has an invalid id '" + best + "'", e);
        }
    }

    @Override
    public String toString() {
        return "job '" + jobName + "' via " + overview;
    }
}
