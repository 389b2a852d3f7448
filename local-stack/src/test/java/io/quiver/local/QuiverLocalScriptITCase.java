package io.quiver.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code scripts/quiver-local} the way a user does, on free ports and a temporary data
 * directory, then runs the README's smoke examples against it and stops it with SIGTERM. Then
 * starts it again on the same data directory and finds every collection and point again: the stop
 * took a savepoint and the second start resumed from it.
 *
 * <p>The examples are the {@code ```bash} blocks between {@code <!-- smoke:begin -->} and {@code
 * <!-- smoke:end -->} in the repository's README.md; the default ports in them ({@code 8080},
 * {@code 8081}, {@code 9092}, after {@code localhost:} or {@code 127.0.0.1:}) are replaced with the
 * test's. The test is skipped while the README has no such markers.
 *
 * <p>The script gets this test's classpath with {@code --classpath}, so it neither builds nor calls
 * Maven: the reactor that runs this test has just built every module.
 */
class QuiverLocalScriptITCase {

    private static final String SMOKE_BEGIN = "<!-- smoke:begin -->";
    private static final String SMOKE_END = "<!-- smoke:end -->";
    private static final Pattern BASH_BLOCK =
            Pattern.compile("```bash[^\\n]*\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern STATUS_OK = Pattern.compile("\"status\"\\s*:\\s*\"ok\"");
    private static final Pattern SUCCESS =
            Pattern.compile("\"status\"\\s*:\\s*\"(ok|acknowledged|completed)\"");
    private static final Pattern CURL = Pattern.compile("\\bcurl\\s");

    private static final Duration START_DEADLINE = Duration.ofMinutes(5);
    private static final Duration STEP_DEADLINE = Duration.ofMinutes(2);
    private static final Duration STOP_DEADLINE = Duration.ofMinutes(3);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static final String KEPT = "kept";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Process script;
    private Path workDir;
    private Path outputFile;
    private final Set<ProcessHandle> started = new HashSet<>();
    private boolean passed;

    @Test
    void readmeSmokeExamplesRunAndCollectionsAndPointsSurviveARestart() throws Exception {
        Path root = repositoryRoot();
        List<String> steps = smokeSteps(root.resolve("README.md"));
        Assumptions.assumeFalse(
                steps.isEmpty(), "README.md has no ```bash blocks between smoke markers yet");

        Ports ports = Ports.pick();
        workDir = Files.createTempDirectory("quiver-local-it-");
        startScript(root, ports, "quiver-local.out");
        assertThat(output()).contains("state: started empty");
        // A user's first write may come before the shards are up; a test's must not.
        awaitReady(ports.http);

        boolean searched = false;
        for (String step : steps) {
            String command = ports.substitute(step);
            StepResult result = runStep(command);
            assertThat(result.exitCode)
                    .as(
                            "exit status of README step (127: a tool it calls is missing, see"
                                    + " the package list in .ci/run):\n%s\noutput:\n%s",
                            command, result.output)
                    .isZero();
            if (command.contains("/points/search")) {
                searched = true;
                assertThat(STATUS_OK.matcher(result.output).find())
                        .as(
                                "search step answers \"status\":\"ok\":\n%s\noutput:\n%s",
                                command, result.output)
                        .isTrue();
            }
            // Every curl in a step must succeed, not merely exit 0.
            assertThat(SUCCESS.matcher(result.output).results().count())
                    .as(
                            "successful answers of README step:\n%s\noutput:\n%s",
                            command, result.output)
                    .isEqualTo(CURL.matcher(command).results().count());
        }
        assertThat(searched).as("the README's smoke examples include a search").isTrue();

        Map<String, float[]> kept = writeCollection(ports.http, KEPT, 24);
        awaitAllFound(ports.http, KEPT, kept);
        stopScript(ports);
        assertThat(output()).contains("savepoint written to");

        // Same data directory and ports, as a user restarting it.
        startScript(root, ports, "quiver-local-restart.out");
        assertThat(output()).contains("state: resumed from savepoint");
        awaitReady(ports.http);
        assertThat(httpStatus(ports.http, "/collections/" + KEPT)).isEqualTo(200);
        assertThat(httpStatus(ports.http, "/collections/docs")).isEqualTo(200);
        awaitAllFound(ports.http, KEPT, kept);
        awaitCheckpointWithoutFailures(ports.flink);
        stopScript(ports);
        passed = true;
    }

    /**
     * Waits for the running job's first completed checkpoint and checks that the job has failed
     * nowhere: a restore mode the state backend cannot serve fails the first checkpoint after a
     * restore and restarts the job, after its searches already answered.
     */
    private void awaitCheckpointWithoutFailures(int flinkPort) {
        await("a completed checkpoint of the resumed job")
                .atMost(STEP_DEADLINE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(
                        () -> {
                            assertAlive();
                            JsonNode jobs = flinkGet(flinkPort, "/jobs/overview").path("jobs");
                            String jobId = null;
                            for (JsonNode job : jobs) {
                                if ("RUNNING".equals(job.path("state").asText())) {
                                    jobId = job.path("jid").asText();
                                }
                            }
                            assertThat(jobId).as("a running job: %s", jobs).isNotNull();
                            JsonNode exceptions =
                                    flinkGet(flinkPort, "/jobs/" + jobId + "/exceptions")
                                            .path("exceptionHistory")
                                            .path("entries");
                            assertThat(exceptions.size())
                                    .as("job failures: %s", exceptions)
                                    .isZero();
                            JsonNode checkpoints =
                                    flinkGet(flinkPort, "/jobs/" + jobId + "/checkpoints");
                            JsonNode counts = checkpoints.path("counts");
                            // Not counts.failed: Flink also counts a periodic trigger that found
                            // tasks still restoring, which never started a checkpoint.
                            assertThat(failedCheckpoints(checkpoints))
                                    .as("failed checkpoints (%s)", counts)
                                    .isEmpty();
                            assertThat(counts.path("completed").asLong())
                                    .as("completed checkpoints: %s", counts)
                                    .isPositive();
                        });
    }

    /**
     * The checkpoints in Flink's recent history (the last ten) that started and failed, each with
     * the reason Flink gives.
     */
    private static List<String> failedCheckpoints(JsonNode checkpoints) {
        List<String> messages = new ArrayList<>();
        for (JsonNode c : checkpoints.path("history")) {
            if ("FAILED".equals(c.path("status").asText())) {
                messages.add(c.path("id").asText() + ": " + c.path("failure_message").asText());
            }
        }
        return messages;
    }

    private JsonNode flinkGet(int port, String path) throws Exception {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Starts the script on {@code ports} and waits until the query server and Flink answer. */
    private void startScript(Path root, Ports ports, String outputName) throws IOException {
        outputFile = workDir.resolve(outputName);
        ProcessBuilder builder =
                new ProcessBuilder(
                                "bash",
                                root.resolve("scripts/quiver-local").toString(),
                                "--data-dir",
                                workDir.resolve("data").toString(),
                                "--http-port",
                                String.valueOf(ports.http),
                                "--flink-port",
                                String.valueOf(ports.flink),
                                "--kafka-port",
                                String.valueOf(ports.kafka),
                                "--qs-port",
                                String.valueOf(ports.qsProxy),
                                "--qs-server-port",
                                String.valueOf(ports.qsServer),
                                "--classpath",
                                testClasspath())
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(outputFile.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("QUIVER_START_TIMEOUT", "240");
        script = builder.start();

        await("query server /healthz and Flink dashboard")
                .atMost(START_DEADLINE)
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> {
                            rememberChildren();
                            if (!script.isAlive()) {
                                throw new AssertionError(
                                        "quiver-local exited with "
                                                + script.exitValue()
                                                + " during start-up\n"
                                                + diagnostics());
                            }
                            return httpStatus(ports.http, "/healthz") == 200
                                    && httpStatus(ports.flink, "/overview") == 200;
                        });
        rememberChildren();
    }

    /** SIGTERM, as Ctrl-C or a service manager would send, then every port closes. */
    private void stopScript(Ports ports) throws Exception {
        script.destroy();
        assertThat(script.waitFor(STOP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                .as("quiver-local exits after SIGTERM\n%s", diagnostics())
                .isTrue();
        assertThat(script.exitValue()).as("exit status after SIGTERM").isZero();
        for (int port : List.of(ports.http, ports.flink, ports.kafka)) {
            assertThat(isListening(port)).as("port %d closed after stop", port).isFalse();
        }
    }

    private String output() throws IOException {
        return Files.readString(outputFile, UTF_8);
    }

    /**
     * Creates {@code collection} and writes {@code n} points over HTTP with {@code ?wait=true};
     * returns the vectors by id. A 504 {@code consistency_timeout} (acknowledged by Kafka, not yet
     * applied by every shard within the request timeout) passes too: on a loaded machine the shards
     * may take longer, and the caller polls by search.
     */
    private Map<String, float[]> writeCollection(int port, String collection, int n)
            throws Exception {
        HttpResponse<String> created =
                send(
                        port,
                        "PUT",
                        "/collections/" + collection,
                        "{\"dimension\": 4, \"metric\": \"l2\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        Map<String, float[]> points = new LinkedHashMap<>();
        ArrayNode list = JSON.createArrayNode();
        for (int i = 0; i < n; i++) {
            float[] v = {i, i % 3, -i, 1};
            points.put("k" + i, v);
            ObjectNode point = list.addObject().put("id", "k" + i);
            ArrayNode vector = point.putArray("vector");
            for (float f : v) {
                vector.add(f);
            }
            point.putObject("payload").put("n", i);
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("points", list);
        HttpResponse<String> written =
                send(
                        port,
                        "PUT",
                        "/collections/" + collection + "/points?wait=true",
                        JSON.writeValueAsString(body));
        JsonNode answer = JSON.readTree(written.body());
        if (written.statusCode() == 504) {
            assertThat(answer.path("error").path("code").asText())
                    .as(written.body())
                    .isEqualTo("consistency_timeout");
        } else {
            assertThat(written.statusCode()).as(written.body()).isEqualTo(200);
            assertThat(answer.path("status").asText()).isEqualTo("completed");
        }
        return points;
    }

    private void awaitReady(int port) {
        await("GET /readyz answers 200")
                .atMost(START_DEADLINE)
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> {
                            assertAlive();
                            return httpStatus(port, "/readyz") == 200;
                        });
    }

    /**
     * Polls an eventual-consistency search over every shard until it answers all of {@code points},
     * none missing and no shard left out; then each point finds itself first.
     */
    private void awaitAllFound(int port, String collection, Map<String, float[]> points)
            throws Exception {
        String path = "/collections/" + collection + "/points/search";
        await("every point of '" + collection + "' found by search")
                .atMost(STEP_DEADLINE)
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(
                        () -> {
                            assertAlive();
                            JsonNode answer =
                                    search(port, path, new float[] {0, 0, 0, 1}, points.size() * 2);
                            Set<String> ids = new HashSet<>();
                            answer.path("result").forEach(hit -> ids.add(hit.get("id").asText()));
                            assertThat(answer.path("partial").asBoolean(true))
                                    .as("partial: %s", answer)
                                    .isFalse();
                            assertThat(ids).isEqualTo(points.keySet());
                        });
        for (Map.Entry<String, float[]> e : points.entrySet()) {
            JsonNode first = search(port, path, e.getValue(), 1).path("result").path(0);
            assertThat(first.path("id").asText()).isEqualTo(e.getKey());
            assertThat(first.path("payload").path("n").asInt(-1))
                    .isEqualTo(Integer.parseInt(e.getKey().substring(1)));
        }
    }

    private JsonNode search(int port, String path, float[] vector, int limit) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("limit", limit).put("with_payload", true);
        body.put("consistency", "eventual");
        ArrayNode v = body.putArray("vector");
        for (float f : vector) {
            v.add(f);
        }
        HttpResponse<String> response = send(port, "POST", path, JSON.writeValueAsString(body));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> send(int port, String method, String path, String json)
            throws Exception {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json))
                        .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private void assertAlive() throws IOException {
        rememberChildren();
        if (!script.isAlive()) {
            throw new AssertionError(
                    "quiver-local exited with " + script.exitValue() + "\n" + diagnostics());
        }
    }

    @AfterEach
    void stopEverything() throws IOException {
        if (script != null && script.isAlive()) {
            rememberChildren();
            script.destroyForcibly();
        }
        // The script's JVMs run in their own sessions; make sure none outlives a failed test.
        for (ProcessHandle child : started) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
        if (workDir != null) {
            if (passed) {
                deleteRecursively(workDir);
            } else {
                System.err.println("quiver-local output and logs kept in " + workDir);
            }
        }
    }

    private void rememberChildren() {
        if (script != null) {
            script.descendants().forEach(started::add);
        }
    }

    /** Each ```bash block inside the smoke markers, in README order. */
    static List<String> smokeSteps(Path readme) throws IOException {
        if (!Files.exists(readme)) {
            return List.of();
        }
        String text = Files.readString(readme, UTF_8);
        List<String> steps = new ArrayList<>();
        int from = 0;
        while (true) {
            int begin = text.indexOf(SMOKE_BEGIN, from);
            if (begin < 0) {
                break;
            }
            int end = text.indexOf(SMOKE_END, begin);
            if (end < 0) {
                throw new IllegalStateException(
                        "README.md has " + SMOKE_BEGIN + " without a following " + SMOKE_END);
            }
            Matcher m = BASH_BLOCK.matcher(text.substring(begin, end));
            while (m.find()) {
                steps.add(m.group(1));
            }
            from = end + SMOKE_END.length();
        }
        return steps;
    }

    private StepResult runStep(String command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "step-", ".out");
        Process p =
                new ProcessBuilder("bash", "-euo", "pipefail", "-c", command)
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
        if (!p.waitFor(STEP_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail("README step did not finish within %s:%n%s", STEP_DEADLINE, command);
        }
        return new StepResult(p.exitValue(), Files.readString(out, UTF_8));
    }

    private int httpStatus(int port, String path) {
        try {
            HttpRequest request =
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(3))
                            .GET()
                            .build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The script's output and the tail of each process log, for failure messages. */
    private String diagnostics() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of("quiver-local.out", "quiver-local-restart.out")) {
            Path output = workDir.resolve(name);
            if (Files.exists(output)) {
                sb.append("--- ").append(name).append('\n');
                sb.append(Files.readString(output, UTF_8));
            }
        }
        Path logs = workDir.resolve("data/logs");
        if (Files.isDirectory(logs)) {
            try (Stream<Path> files = Files.list(logs)) {
                for (Path log : files.sorted().toList()) {
                    List<String> lines = Files.readAllLines(log, UTF_8);
                    sb.append("--- tail of ").append(log).append('\n');
                    lines.subList(Math.max(0, lines.size() - 40), lines.size())
                            .forEach(l -> sb.append(l).append('\n'));
                }
            }
        }
        return sb.toString();
    }

    static String testClasspath() {
        // Failsafe may launch through a manifest-only jar; this property holds the real classpath.
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/quiver-local"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "no scripts/quiver-local above " + Path.of("").toAbsolutePath());
    }

    static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private record StepResult(int exitCode, String output) {}

    /** Five distinct ports that were free on 127.0.0.1 when picked. */
    record Ports(int http, int flink, int kafka, int qsProxy, int qsServer) {

        static Ports pick() throws IOException {
            List<ServerSocket> sockets = new ArrayList<>();
            try {
                // Held open together so that the five are distinct.
                for (int i = 0; i < 5; i++) {
                    sockets.add(new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")));
                }
                return new Ports(
                        sockets.get(0).getLocalPort(),
                        sockets.get(1).getLocalPort(),
                        sockets.get(2).getLocalPort(),
                        sockets.get(3).getLocalPort(),
                        sockets.get(4).getLocalPort());
            } finally {
                for (ServerSocket s : sockets) {
                    s.close();
                }
            }
        }

        /** The README's default ports replaced with these. */
        String substitute(String step) {
            Map<String, Integer> defaults = new LinkedHashMap<>();
            defaults.put("8080", http);
            defaults.put("8081", flink);
            defaults.put("9092", kafka);
            String result = step;
            for (Map.Entry<String, Integer> e : defaults.entrySet()) {
                for (String host : List.of("localhost:", "127.0.0.1:")) {
                    result =
                            result.replaceAll(
                                    Pattern.quote(host + e.getKey()) + "(?![0-9])",
                                    Matcher.quoteReplacement(host + e.getValue()));
                }
            }
            return result;
        }
    }
}
