package io.quiver.chaos;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the README's {@code scripts/quiver-cluster} example (the {@code ```bash} block between
 * {@code <!-- cluster:begin -->} and {@code <!-- cluster:end -->}) command by command, on free
 * ports and a temporary data directory set through the script's environment variables, and runs the
 * short fault suite ({@code scripts/chaos --short}'s {@link ChaosMain}) against the same cluster
 * before the example's final {@code down}: one cluster start for both, to keep CI short.
 *
 * <p>The script gets this test's classpath and the job jar the reactor has just packaged, so it
 * neither builds nor calls Maven.
 */
class QuiverClusterChaosITCase {

    private static final Pattern CLUSTER_BLOCK = block("cluster");
    private static final Pattern CHAOS_BLOCK = block("chaos");
    private static final Pattern FIRST_HIT = Pattern.compile("\"result\":\\[\\{\"id\":\"c1\"");

    private Path root;
    private Path work;
    private final Map<String, String> env = new HashMap<>();
    private boolean downRan;
    private boolean passed;

    @Test
    void readmeClusterExampleRunsAndTheShortFaultSuiteHolds() throws Exception {
        root = repositoryRoot();
        work = Files.createTempDirectory("quiver-cluster-it-");
        int http = freePort(1);
        int flink = freePort(1);
        int kafka = freePort(1);
        int rpc = freePort(1);
        int qs = freePort(2);
        int qsServer = freePort(2);
        env.put("QUIVER_DATA_DIR", work.resolve("cluster").toString());
        env.put("QUIVER_HTTP_PORT", Integer.toString(http));
        env.put("QUIVER_FLINK_PORT", Integer.toString(flink));
        env.put("QUIVER_KAFKA_PORT", Integer.toString(kafka));
        env.put("QUIVER_RPC_PORT", Integer.toString(rpc));
        env.put("QUIVER_QS_PORT", Integer.toString(qs));
        env.put("QUIVER_QS_SERVER_PORT", Integer.toString(qsServer));
        env.put("QUIVER_CLASSPATH", System.getProperty("java.class.path"));
        env.put("QUIVER_JOB_JAR", jobJar().toString());

        String readme = Files.readString(root.resolve("README.md"), UTF_8);
        List<String> steps = steps(readme, CLUSTER_BLOCK);
        assertThat(steps).as("README cluster example").isNotEmpty();
        boolean searched = false;
        for (String step : steps) {
            String command = step.replace("localhost:8080", "localhost:" + http);
            if (command.endsWith("quiver-cluster down")) {
                downRan = true;
            }
            String output = run(command, command.endsWith(" up") ? 8 : 4);
            if (command.endsWith(" status")) {
                assertThat(output).contains("RUNNING").contains("tm1").contains("tm2");
            }
            if (command.contains("/points/search")) {
                searched = true;
                assertThat(FIRST_HIT.matcher(output).find()).as(output).isTrue();
            }
        }
        assertThat(searched).isTrue();
        assertThat(downRan).as("the example ends with down").isTrue();
        for (int port : List.of(http, flink, kafka)) {
            assertThat(listening(port)).as("port %d closed after down", port).isFalse();
        }

        List<String> suite =
                steps(readme, CHAOS_BLOCK).stream().filter(c -> c.contains("--short")).toList();
        assertThat(suite).as("README's scripts/chaos --short").hasSize(1);
        Path out = work.resolve("chaos");
        env.put("QUIVER_DATA_DIR", out.resolve("cluster").toString());
        String summary = run(suite.get(0) + " --out " + out, 12);
        assertFigures(out, summary);
        passed = true;
    }

    private static void assertFigures(Path out, String output) throws IOException {
        Map<String, String> figures = new HashMap<>();
        for (String kv : Files.readString(out.resolve("summary.txt"), UTF_8).trim().split(" ")) {
            String[] p = kv.split("=", 2);
            figures.put(p[0], p[1]);
        }
        assertThat(figures)
                .containsEntry("kills", "1")
                .containsEntry("lost", "0")
                .containsEntry("duplicated", "0")
                .containsEntry("deleted_returned", "0")
                .containsEntry("dlq_good_stream", "0")
                .containsEntry("bad_records", "1000")
                .containsEntry("bad_records_in_dlq", "1000")
                .containsEntry("bad_input_job_restarts", "0")
                .containsEntry("good_records_missing", "0")
                .containsEntry("http_bad_requests", "1000")
                .containsEntry("http_5xx", "0")
                .containsEntry("http_2xx", "0")
                .containsEntry("qs_restart_lost", "0")
                .containsEntry("qs_restart_non_connection_errors", "0")
                .containsEntry("qs_restart_503_catalog_loading", "0")
                .containsEntry("outage_5xx", "0")
                .containsEntry("broker_restart_lost", "0")
                .containsEntry("index_unreachable", "0")
                .containsEntry("load_errors", "0");
        assertThat(out.resolve("chaos.png")).exists();
        assertThat(out.resolve("recovery.csv")).exists();
    }

    /** The README block's commands, backslash continuations joined. */
    static List<String> steps(String readme, Pattern block) {
        Matcher m = block.matcher(readme);
        if (!m.find()) {
            return List.of();
        }
        List<String> steps = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : m.group(1).split("\n")) {
            if (line.isBlank() && current.length() == 0) {
                continue;
            }
            current.append(line.endsWith("\\") ? line.substring(0, line.length() - 1) : line);
            if (!line.endsWith("\\")) {
                // A trailing "# comment" is for the reader.
                steps.add(current.toString().replaceFirst("\\s+#.*$", "").trim());
                current.setLength(0);
            }
        }
        return steps;
    }

    private static Pattern block(String name) {
        return Pattern.compile(
                "<!-- " + name + ":begin -->\\s*```bash\\n(.*?)```\\s*<!-- " + name + ":end -->",
                Pattern.DOTALL);
    }

    private String run(String command, int minutes) throws IOException, InterruptedException {
        Path log = Files.createTempFile(work, "step-", ".out");
        ProcessBuilder builder =
                new ProcessBuilder("bash", "-c", command)
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(env);
        Process p = builder.start();
        boolean done = p.waitFor(minutes, TimeUnit.MINUTES);
        String output = Files.readString(log, UTF_8);
        assertThat(done).as("'%s' finished within %d min:\n%s", command, minutes, output).isTrue();
        assertThat(p.exitValue()).as("exit status of '%s':\n%s", command, output).isZero();
        return output;
    }

    @AfterEach
    void stopCluster() throws Exception {
        if (work == null) {
            return;
        }
        Path runDir = work.resolve("cluster/run");
        if (Files.isDirectory(runDir) && !downRan) {
            run("scripts/quiver-cluster down", 4);
        }
        // The scripts' JVMs run in their own sessions; none may outlive a failed test.
        for (Path dir : List.of(runDir, work.resolve("chaos/cluster/run"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> pids = Files.list(dir)) {
                for (Path pid : pids.filter(f -> f.toString().endsWith(".pid")).toList()) {
                    ProcessHandle.of(Long.parseLong(Files.readString(pid).trim()))
                            .ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
        // A failed run keeps its logs, figures and data for a look.
        if (passed) {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static int freePort(int consecutive) throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            boolean free = port + consecutive <= 65535;
            for (int i = 1; i < consecutive && free; i++) {
                free = !listening(port + i) && bindable(port + i);
            }
            if (free) {
                return port;
            }
        }
        throw new IOException("no run of " + consecutive + " free ports");
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Path jobJar() throws IOException {
        try (Stream<Path> files = Files.list(root.resolve("ingest-job/target"))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-job.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IOException("ingest-job/target has no -job.jar"));
        }
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("scripts/quiver-cluster"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository root above the working directory").isNotNull();
        return dir;
    }
}
