package io.quiver.local.bench;

import io.quiver.local.client.QuiverHttp;
import io.quiver.schemas.routing.ShardKeys;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code scripts/quiver-local} started on free ports and a data directory of its own, as a user
 * runs it: three JVMs (broker, Flink job, query server) with the local stack's Flink configuration.
 * {@link #close} stops it with SIGTERM (the job takes its savepoint) and waits; whatever still runs
 * after the deadline is killed.
 */
final class LocalStack implements AutoCloseable {

    /** The Flink job's parallelism: index operator subtasks. */
    static final int PARALLELISM = 2;

    private static final long START_TIMEOUT_MS = 300_000;
    private static final long STOP_TIMEOUT_MS = 180_000;

    final int httpPort;
    final int flinkPort;
    final int kafkaPort;
    private final Process script;
    private final Set<ProcessHandle> children = new HashSet<>();

    private LocalStack(int[] ports, Process script) {
        this.httpPort = ports[0];
        this.flinkPort = ports[1];
        this.kafkaPort = ports[2];
        this.script = script;
    }

    /**
     * Starts the script and returns once every shard is ready ({@code /readyz} answers 200).
     *
     * @param jobHeap the Flink job JVM's maximum heap, e.g. {@code 2g}
     */
    static LocalStack start(
            Path root, Path dataDir, String classpath, String jobHeap, Path output, PrintStream log)
            throws IOException, InterruptedException {
        int[] ports = freePorts(5);
        List<String> command =
                new ArrayList<>(
                        List.of(
                                "bash",
                                root.resolve("scripts/quiver-local").toString(),
                                "--clean",
                                "--data-dir",
                                dataDir.toString(),
                                "--http-port",
                                String.valueOf(ports[0]),
                                "--flink-port",
                                String.valueOf(ports[1]),
                                "--kafka-port",
                                String.valueOf(ports[2]),
                                "--qs-port",
                                String.valueOf(ports[3]),
                                "--qs-server-port",
                                String.valueOf(ports[4]),
                                "--classpath",
                                classpath));
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("QUIVER_JOB_HEAP", jobHeap);
        // The layout the summary describes and the core build mirrors, whatever the caller's
        // environment says.
        builder.environment().put("QUIVER_SHARDS", String.valueOf(ShardKeys.DEFAULT_SHARDS));
        builder.environment().put("QUIVER_PARALLELISM", String.valueOf(PARALLELISM));
        LocalStack stack = new LocalStack(ports, builder.start());
        log.printf("e2e: starting scripts/quiver-local (output: %s)%n", output);
        QuiverHttp http = stack.http();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (http.status("/readyz") != 200) {
            stack.rememberChildren();
            if (!stack.script.isAlive()) {
                throw new IOException(
                        "scripts/quiver-local exited with "
                                + stack.script.exitValue()
                                + " during start-up; see "
                                + output);
            }
            if (System.currentTimeMillis() > deadline) {
                stack.close();
                throw new IOException(
                        "the local stack was not ready within 5 minutes; see " + output);
            }
            Thread.sleep(500);
        }
        stack.rememberChildren();
        log.printf(
                "e2e: local stack ready: query server :%d, Flink :%d, Kafka :%d%n",
                ports[0], ports[1], ports[2]);
        return stack;
    }

    QuiverHttp http() {
        return new QuiverHttp("http://127.0.0.1:" + httpPort);
    }

    String bootstrapServers() {
        return "127.0.0.1:" + kafkaPort;
    }

    String flinkRest() {
        return "http://127.0.0.1:" + flinkPort;
    }

    /** Fails when the script or one of its JVMs has gone. */
    void checkAlive() throws IOException {
        rememberChildren();
        if (!script.isAlive()) {
            throw new IOException("scripts/quiver-local exited with " + script.exitValue());
        }
    }

    private void rememberChildren() {
        script.descendants().forEach(children::add);
    }

    @Override
    public void close() throws InterruptedException {
        rememberChildren();
        script.destroy();
        if (!script.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            script.destroyForcibly();
        }
        // The script's JVMs run in sessions of their own: none may outlive the benchmark.
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }
}
