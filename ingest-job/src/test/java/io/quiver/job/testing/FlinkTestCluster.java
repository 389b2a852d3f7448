package io.quiver.job.testing;

import io.quiver.job.JobOptions;
import io.quiver.job.QuiverJob;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.QueryableStateOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.flink.util.FileUtils;

/**
 * A Flink MiniCluster set up as Quiver runs in production: RocksDB with incremental checkpoints
 * under a test directory, the Queryable State proxy on a free loopback port, the shard server on an
 * ephemeral port. Submits the real {@link QuiverJob} pipeline.
 */
public final class FlinkTestCluster implements AutoCloseable {

    private static final int START_ATTEMPTS = 3;

    private final Configuration conf;
    private final MiniCluster cluster;
    private final int proxyPort;
    private Path ownDir;

    private FlinkTestCluster(Configuration conf, MiniCluster cluster, int proxyPort) {
        this.conf = conf;
        this.cluster = cluster;
        this.proxyPort = proxyPort;
    }

    /**
     * Like {@link #start(Path, int)} in a fresh temporary directory named after {@code prefix},
     * which {@link #close} deletes; tests put their own files there too ({@link #dir}).
     */
    public static FlinkTestCluster startInTempDir(String prefix, int slots) throws Exception {
        Path dir = Files.createTempDirectory("quiver-" + prefix + "-it-");
        FlinkTestCluster started = start(dir, slots);
        started.ownDir = dir;
        return started;
    }

    /** The directory {@link #startInTempDir} made. */
    public Path dir() {
        if (ownDir == null) {
            throw new IllegalStateException("the cluster was started in a directory of the test's");
        }
        return ownDir;
    }

    /** Starts one TaskManager with {@code slots} slots; checkpoints go under {@code dir}. */
    public static FlinkTestCluster start(Path dir, int slots) throws Exception {
        return start(dir, slots, new Configuration());
    }

    /** Like {@link #start(Path, int)}, with {@code extra} set on top of the test configuration. */
    public static FlinkTestCluster start(Path dir, int slots, Configuration extra)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            int[] ports = freePorts(2);
            Configuration conf = configuration(dir, ports[0], ports[1]);
            conf.addAll(extra);
            MiniCluster cluster =
                    new MiniCluster(
                            new MiniClusterConfiguration.Builder()
                                    .setConfiguration(conf)
                                    .setNumTaskManagers(1)
                                    .setNumSlotsPerTaskManager(slots)
                                    .build());
            cluster.start();
            // A port free when picked can be taken before the TaskManager binds it; Flink then
            // logs an error and runs without Queryable State, and no shard status is ever read.
            if (accepts(ports[0]) && accepts(ports[1])) {
                return new FlinkTestCluster(conf, cluster, ports[0]);
            }
            cluster.close();
            if (attempt == START_ATTEMPTS) {
                throw new IllegalStateException(
                        "the Queryable State proxy or server did not bind 127.0.0.1:"
                                + ports[0]
                                + " / "
                                + ports[1]
                                + " in "
                                + START_ATTEMPTS
                                + " attempts");
            }
        }
    }

    private static Configuration configuration(Path dir, int proxyPort, int serverPort) {
        Configuration conf = new Configuration();
        conf.set(QueryableStateOptions.ENABLE_QUERYABLE_STATE_PROXY_SERVER, true);
        conf.set(QueryableStateOptions.PROXY_PORT_RANGE, String.valueOf(proxyPort));
        conf.set(QueryableStateOptions.SERVER_PORT_RANGE, String.valueOf(serverPort));
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                dir.resolve("checkpoints").toUri().toString());
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("128m"));
        // A free REST port, so tests run beside a local stack (or another test JVM) on 8081.
        conf.set(RestOptions.BIND_PORT, "0");
        conf.setString("quiver.shard-server.port", "0");
        // Graph snapshots at every checkpoint, so tests see them within seconds.
        conf.setString("quiver.snapshot.every-checkpoints", "1");
        // The REST API serves metrics from a cache refreshed at this interval (default 10 s).
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        return conf;
    }

    /** Whether something accepts connections on loopback {@code port} within a few seconds. */
    private static boolean accepts(int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return true;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Builds and submits the job, restored from {@code savepoint} when not null. */
    public JobClient submit(JobOptions options, String savepoint) throws Exception {
        Configuration jobConf = new Configuration(conf);
        if (savepoint != null) {
            jobConf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        TestStreamEnvironment env =
                new TestStreamEnvironment(
                        cluster,
                        jobConf,
                        options.parallelism(),
                        Collections.emptyList(),
                        Collections.emptyList());
        QuiverJob.build(env, options);
        return env.executeAsync(options.jobName());
    }

    /** An environment that runs jobs on this cluster, e.g. a bulk load. */
    public TestStreamEnvironment environment(int parallelism) {
        return new TestStreamEnvironment(
                cluster,
                new Configuration(conf),
                parallelism,
                Collections.emptyList(),
                Collections.emptyList());
    }

    public MiniCluster miniCluster() {
        return cluster;
    }

    public int queryableStateProxyPort() {
        return proxyPort;
    }

    /** The REST endpoint (the dashboard's), e.g. {@code http://127.0.0.1:41234}. */
    public String restUrl() throws Exception {
        return cluster.getRestAddress().get().toString();
    }

    @Override
    public void close() throws Exception {
        try {
            cluster.close();
        } finally {
            if (ownDir != null) {
                FileUtils.deleteDirectory(ownDir.toFile());
            }
        }
    }

    /** {@code n} distinct ports free on loopback right now (all held open while picked). */
    private static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket();
                // Java sets SO_REUSEADDR on server sockets, so the system may hand out a port
                // still in TIME_WAIT, which a server without that option then cannot bind.
                sockets[i].setReuseAddress(false);
                sockets[i].bind(new InetSocketAddress(0));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
