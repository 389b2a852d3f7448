package io.quiver.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster under test: {@code scripts/quiver-cluster} for faults (kill and start processes),
 * Flink's REST API for the job's state and restarts.
 */
final class Cluster {

    private final Path script;
    private final Path dataDir;
    private final int flinkPort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    Cluster(Path script, Path dataDir, int flinkPort) {
        this.script = script;
        this.dataDir = dataDir;
        this.flinkPort = flinkPort;
    }

    /** Runs {@code quiver-cluster COMMAND ARGS}; its output goes to our standard error. */
    void run(String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("bash", script.toString()));
        args.add("--data-dir");
        args.add(dataDir.toString());
        args.addAll(List.of(command));
        Process p =
                new ProcessBuilder(args)
                        .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        int code = p.waitFor();
        if (code != 0) {
            throw new IOException(
                    "quiver-cluster " + String.join(" ", command) + " exited " + code);
        }
    }

    long pid(String role) throws IOException {
        return Long.parseLong(Files.readString(dataDir.resolve("run/" + role + ".pid")).trim());
    }

    JsonNode rest(String path) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + flinkPort + path))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return QuiverApi.JSON.readTree(r.body());
    }

    /** The id of the job named quiver that is not finished, or null. */
    String jobId() throws IOException, InterruptedException {
        for (JsonNode job : rest("/jobs/overview").path("jobs")) {
            String state = job.path("state").asText();
            if ("quiver".equals(job.path("name").asText())
                    && !state.equals("CANCELED")
                    && !state.equals("FINISHED")
                    && !state.equals("FAILED")) {
                return job.path("jid").asText();
            }
        }
        return null;
    }

    String jobState(String jobId) throws IOException, InterruptedException {
        return rest("/jobs/" + jobId).path("state").asText();
    }

    /** Numbers N of the TaskManagers (resource id tmN) that run some of the job's tasks now. */
    List<Integer> busyTaskManagers() throws IOException, InterruptedException {
        List<Integer> busy = new ArrayList<>();
        for (JsonNode tm : rest("/taskmanagers").path("taskmanagers")) {
            String id = tm.path("id").asText();
            if (id.matches("tm\\d+")
                    && tm.path("freeSlots").asInt() < tm.path("slotsNumber").asInt()) {
                busy.add(Integer.parseInt(id.substring(2)));
            }
        }
        return busy;
    }

    /**
     * How often the job failed over since it was submitted: the larger of Flink's numRestarts
     * metric and the job's exception history (the metric is missing for a moment around a restart,
     * the history keeps Flink's default 16 entries).
     */
    long failovers(String jobId) throws IOException, InterruptedException {
        long history =
                rest("/jobs/" + jobId + "/exceptions")
                        .path("exceptionHistory")
                        .path("entries")
                        .size();
        return Math.max(restarts(jobId), history);
    }

    /** How often the job restarted since it was submitted (Flink's numRestarts metric). */
    long restarts(String jobId) throws IOException, InterruptedException {
        for (JsonNode m : rest("/jobs/" + jobId + "/metrics?get=numRestarts")) {
            return m.path("value").asLong();
        }
        return -1;
    }
}
