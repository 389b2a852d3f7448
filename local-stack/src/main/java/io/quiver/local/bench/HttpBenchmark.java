package io.quiver.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.index.SearchHits;
import io.quiver.index.bench.VecFiles;
import io.quiver.shard.ShardServer;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * HTTP search against in-process search of the same HNSW index, in one run: the index is served by
 * a real {@link ShardServer} (one shard, or {@code --shards} graphs on the one server) behind a
 * real query server on loopback, and the anchor calls the very same index objects directly (every
 * shard in turn, on one thread). The closed-loop load comes from {@code wrk} when it is installed,
 * else from Java's {@link HttpClient} (HTTP/1.1, keep-alive) in this JVM; the open-loop load always
 * from the latter. Each closed-loop phase also reports the CPU time per request of this JVM plus
 * wrk's, and that split by part ({@link ThreadCpu}: query server, shard server, load generator,
 * other).
 *
 * <p>First a warm-up of every load below, unmeasured. Then per run, alternating so drift on a
 * shared machine hits both alike: closed-loop throughput with {@code --concurrency} workers
 * (in-process, then HTTP), then open-loop latency at {@code --rate} requests per second
 * (in-process, then HTTP). Result cache off, so every HTTP search reaches the shard. Progress and
 * the summary go to stderr, CSV rows to stdout and {@code --out}.
 */
@Command(
        name = "http-bench",
        mixinStandardHelpOptions = true,
        description = "HTTP search throughput and latency against in-process search, same index.")
public final class HttpBenchmark implements Callable<Integer> {

    @Option(names = "--base", description = "base vectors (.fvecs); or --generate")
    Path base;

    @Option(names = "--query", description = "query vectors (.fvecs)")
    Path query;

    @Option(names = "--gt", description = "ground truth (.ivecs); default: brute force")
    Path gt;

    @Option(
            names = "--generate",
            description = "use N seeded Gaussian vectors of DIM instead of files, as N:DIM")
    String generate;

    @Option(names = "--M", defaultValue = "16", description = "links per node (default 16)")
    int m;

    @Option(names = "--efc", defaultValue = "200", description = "efConstruction (default 200)")
    int efc;

    @Option(
            names = "--ef",
            description =
                    "search ef; default: the smallest of 10,12,16,20,24,32,48,64,96,128"
                            + " reaching --recall in-process")
    Integer ef;

    @Option(names = "--recall", defaultValue = "0.95", description = "recall@k target for ef")
    double recallTarget;

    @Option(names = "--k", defaultValue = "10", description = "neighbours per query")
    int k;

    @Option(names = "--threads", defaultValue = "2", description = "index build threads")
    int threads;

    @Option(
            names = "--shards",
            defaultValue = "1",
            description =
                    "shards (default 1): point i goes to shard i mod N, one graph each, all served"
                            + " by one shard server; in-process searches them in turn")
    int shards;

    @Option(
            names = "--concurrency",
            defaultValue = "4",
            description = "closed-loop workers (default 4)")
    int concurrency;

    @Option(
            names = "--rate",
            defaultValue = "500",
            description = "open-loop requests per second (default 500)")
    double rate;

    @Option(
            names = "--seconds",
            defaultValue = "10",
            description = "length of each measured phase (default 10)")
    double seconds;

    @Option(names = "--runs", defaultValue = "3", description = "repetitions (default 3)")
    int runs;

    @Option(names = "--out", description = "directory for results.csv, summary.txt, latency.png")
    Path out;

    @Option(
            names = "--client",
            description =
                    "closed-loop load generator: wrk (a separate process; default when wrk is on"
                            + " the PATH) or java (HttpClient in this JVM)")
    String client;

    @Option(
            names = "--wrk-threads",
            defaultValue = "1",
            description = "wrk threads (default 1: on 2 cores the servers need the other)")
    int wrkThreads;

    private static final String CSV_HEADER =
            "run,path,load,concurrency,target_rate,requests,errors,seconds,qps,p50_ms,p90_ms,p99_ms,p999_ms,cpu_us_per_request,"
                    + "cpu_us_query_server,cpu_us_shard_server,cpu_us_client,cpu_us_other";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream LOG = System.err;
    private static final int WRK_BODIES = 1000;

    /** Where the CSV rows go: standard output as it was before logging could take it. */
    @Option(
            names = "--tiers",
            description =
                    "each run also measures one CPU per tier: the shard server's threads on CPU 0,"
                            + " the query server and the load generator on CPU 1, against"
                            + " in-process search on CPU 0 alone (Linux, taskset, 2+ CPUs)")
    boolean tiers;

    private static PrintStream csv = System.out;

    public static void main(String[] args) {
        // The broker and the servers log to standard output; keep it for the CSV rows alone.
        csv = System.out;
        System.setOut(System.err);
        System.exit(run(args));
    }

    /** Runs the benchmark with {@code args}; returns the exit code (tests call this). */
    public static int run(String... args) {
        return new CommandLine(new HttpBenchmark()).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        float[][] baseVectors;
        float[][] queries;
        if (generate != null) {
            String[] nd = generate.split(":");
            int n = Integer.parseInt(nd[0]);
            int dim = Integer.parseInt(nd[1]);
            baseVectors = gaussian(n, dim, 1);
            // A thousand queries at most: their ground truth is computed by brute force.
            queries = gaussian(Math.max(10, Math.min(1000, n / 10)), dim, 2);
        } else {
            if (base == null || query == null) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this), "give --base and --query, or --generate N:DIM");
            }
            baseVectors = VecFiles.readFvecs(base);
            queries = VecFiles.readFvecs(query);
        }
        int dim = baseVectors[0].length;
        if (tiers && !CpuPinning.available()) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--tiers needs Linux, taskset (util-linux) on the PATH and at least 2 CPUs");
        }
        if (shards < 1 || shards > baseVectors.length) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--shards must be between 1 and the number of base vectors, got " + shards);
        }
        log("%d base vectors, %d queries, %d dimensions", baseVectors.length, queries.length, dim);
        int[][] truth = gt != null ? VecFiles.readIvecs(gt) : bruteForce(baseVectors, queries, k);

        long t0 = System.nanoTime();
        ShardedIndex index = ShardedIndex.build(baseVectors, shards, m, efc, threads);
        log(
                "built %d HNSW graph%s (M %d, efConstruction %d) in %.1f s",
                shards,
                shards == 1 ? "" : "s, one per shard",
                m,
                efc,
                (System.nanoTime() - t0) / 1e9);

        int chosenEf = ef != null ? ef : chooseEf(index, queries, truth);
        double recall = recall(index, queries, truth, chosenEf);
        log("ef %d: in-process recall@%d %.4f", chosenEf, k, recall);

        List<String> rows = new ArrayList<>();
        boolean useWrk = useWrk();
        try (BenchStack stack = BenchStack.start(index, baseVectors, dim, chosenEf)) {
            byte[][] bodies = bodies(queries, chosenEf);
            double httpRecall = httpRecall(stack, bodies, truth);
            log("recall@%d over HTTP %.4f (same index)", k, httpRecall);
            Path wrkDir = useWrk ? Files.createTempDirectory("quiver-http-bench") : null;
            try {
                HttpLoad closed =
                        useWrk
                                ? wrk(stack, bodies, wrkDir)
                                : (workers, millis, cpu) ->
                                        closedLoopPhase(
                                                workers,
                                                millis,
                                                i -> stack.search(bodies[i % bodies.length]),
                                                cpu);
                warmUp(index, queries, chosenEf, stack, bodies, closed);
                for (int run = 1; run <= runs; run++) {
                    rows.addAll(oneRun(run, index, queries, chosenEf, stack, bodies, closed));
                }
            } finally {
                if (wrkDir != null) {
                    deleteTree(wrkDir);
                }
            }
            String summary = summary(rows, chosenEf, recall, httpRecall, baseVectors.length, dim);
            LOG.println(summary);
            csv.println(CSV_HEADER);
            rows.forEach(csv::println);
            csv.flush();
            if (out != null) {
                Files.createDirectories(out);
                Files.writeString(
                        out.resolve("results.csv"),
                        CSV_HEADER + "\n" + String.join("\n", rows) + "\n");
                Files.writeString(out.resolve("summary.txt"), summary + "\n");
                plot(rows, out.resolve("latency.png"));
                log("wrote %s", out);
            }
        }
        return 0;
    }

    /**
     * Closed-loop HTTP load: {@code workers} connections for {@code millis}, the load generator
     * pinned to CPU {@code cpu} (not pinned when negative).
     */
    @FunctionalInterface
    interface HttpLoad {
        Phase run(int workers, long millis, int cpu) throws Exception;

        default Phase run(int workers, long millis) throws Exception {
            return run(workers, millis, -1);
        }
    }

    private boolean useWrk() {
        if (client == null) {
            boolean found = WrkLoad.available();
            log(
                    found
                            ? "closed-loop HTTP load from wrk"
                            : "wrk not found on the PATH: closed-loop HTTP load from Java's"
                                    + " HttpClient in this JVM (apt-get install wrk for the"
                                    + " lighter generator)");
            return found;
        }
        switch (client) {
            case "wrk":
                if (!WrkLoad.available()) {
                    throw new CommandLine.ParameterException(
                            new CommandLine(this), "--client wrk, but no wrk on the PATH");
                }
                return true;
            case "java":
                return false;
            default:
                throw new CommandLine.ParameterException(
                        new CommandLine(this), "--client must be wrk or java, got " + client);
        }
    }

    /**
     * wrk over at most the first {@value #WRK_BODIES} bodies: every wrk thread holds its own copy
     * of the formatted requests, and a thousand distinct vectors already defeat any caching.
     */
    private HttpLoad wrk(BenchStack stack, byte[][] bodies, Path dir) throws Exception {
        List<byte[]> sent = Arrays.asList(bodies).subList(0, Math.min(bodies.length, WRK_BODIES));
        WrkLoad wrk = new WrkLoad(dir, stack.searchUri().toString(), sent, wrkThreads);
        log("wrk: %s", wrk.describe(concurrency));
        return (workers, millis, cpu) -> wrk.closedLoop(workers, millis / 1000.0, cpu);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** The HTTP open loop's warm-up, in phase lengths. */
    private static final int OPEN_LOOP_WARM_UP = 3;

    /**
     * Before the first run, every load the runs measure, unmeasured and for as long as a measured
     * phase (the HTTP open loop {@value #OPEN_LOOP_WARM_UP} times as long): closed loop and open
     * loop, in-process and over HTTP with the same clients. Otherwise the first run's HTTP open
     * loop is where the Java client's asynchronous path and the servers' answers to it are
     * compiled, and its tail is the JIT's, not the server's.
     */
    private void warmUp(
            ShardedIndex index,
            float[][] queries,
            int ef,
            BenchStack stack,
            byte[][] bodies,
            HttpLoad closed)
            throws Exception {
        long millis = (long) (seconds * 1000);
        log(
                "warm-up: closed and open loop, in-process and HTTP, %d ms each (HTTP open loop %d"
                        + " ms)",
                millis, OPEN_LOOP_WARM_UP * millis);
        Load.closedLoop(concurrency, millis, i -> index.search(queries[i % queries.length], k, ef));
        closed.run(concurrency, millis);
        inProcessOpenLoop(index, queries, ef, millis);
        // Three times as long: with one phase's length, the first run's HTTP tail was the worst of
        // its three in every invocation, and the JIT log put its worst stall at a recompilation
        // (OSR) of the Java client's selector loop.
        Load.openLoop(
                rate,
                OPEN_LOOP_WARM_UP * millis,
                i -> stack.searchAsync(bodies[i % bodies.length]));
    }

    /** In-process searches at {@code rate}, each on a pool of {@code concurrency} threads. */
    private Load.Result inProcessOpenLoop(
            ShardedIndex index, float[][] queries, int ef, long millis) throws Exception {
        ExecutorService pool = Load.pool(concurrency, "bench-in-process");
        try {
            return Load.openLoop(
                    rate,
                    millis,
                    i ->
                            CompletableFuture.runAsync(
                                    () -> index.search(queries[i % queries.length], k, ef), pool));
        } finally {
            pool.shutdownNow();
        }
    }

    private List<String> oneRun(
            int run,
            ShardedIndex index,
            float[][] queries,
            int ef,
            BenchStack stack,
            byte[][] bodies,
            HttpLoad closed)
            throws Exception {
        long millis = (long) (seconds * 1000);
        List<String> rows = new ArrayList<>();
        // Warm-up of both paths, unmeasured.
        Load.closedLoop(
                concurrency, millis / 4 + 1, i -> index.search(queries[i % queries.length], k, ef));
        closed.run(concurrency, millis / 4 + 1);

        log("run %d/%d: closed loop, %d workers, in-process", run, runs, concurrency);
        Phase inProcess =
                closedLoopPhase(
                        concurrency,
                        millis,
                        i -> index.search(queries[i % queries.length], k, ef),
                        -1);
        rows.add(row(run, "in_process", "closed", concurrency, 0, inProcess));
        log("run %d/%d: closed loop, %d workers, HTTP", run, runs, concurrency);
        Phase http = closed.run(concurrency, millis);
        rows.add(row(run, "http", "closed", concurrency, 0, http));
        log(
                "run %d/%d: in-process %.0f QPS, HTTP %.0f QPS (%.2f×); CPU per request"
                        + " in-process %.0f µs, HTTP %.0f µs (%.2f×)",
                run,
                runs,
                inProcess.qps(),
                http.qps(),
                http.qps() / inProcess.qps(),
                inProcess.cpuMicrosPerRequest(),
                http.cpuMicrosPerRequest(),
                inProcess.cpuMicrosPerRequest() / http.cpuMicrosPerRequest());
        log(
                "run %d/%d: HTTP CPU per request: query server %.0f µs, shard server %.0f µs, load"
                        + " generator %.0f µs, other %.0f µs",
                run,
                runs,
                http.cpuMicrosPerRequest(ThreadCpu.Part.QUERY_SERVER),
                http.cpuMicrosPerRequest(ThreadCpu.Part.SHARD_SERVER),
                http.cpuMicrosPerRequest(ThreadCpu.Part.CLIENT),
                http.cpuMicrosPerRequest(ThreadCpu.Part.OTHER));

        if (tiers) {
            rows.addAll(oneCpuPerTier(run, index, queries, ef, closed, millis));
        }

        log("run %d/%d: open loop at %.0f/s, in-process", run, runs, rate);
        Load.Result inProcessRate = inProcessOpenLoop(index, queries, ef, millis);
        rows.add(row(run, "in_process", "open", concurrency, rate, Phase.of(inProcessRate)));
        log("run %d/%d: open loop at %.0f/s, HTTP", run, runs, rate);
        Load.Result httpRate =
                Load.openLoop(rate, millis, i -> stack.searchAsync(bodies[i % bodies.length]));
        rows.add(row(run, "http", "open", concurrency, rate, Phase.of(httpRate)));
        log(
                "run %d/%d: HTTP at %.0f/s: p50 %.2f ms, p99 %.2f ms",
                run, runs, rate, httpRate.percentileMs(50), httpRate.percentileMs(99));
        return rows;
    }

    /**
     * The closed loops again with one CPU per tier, as a deployment would give each tier its own
     * machines: in-process search on CPU 0 alone, then the shard server's threads on CPU 0 and the
     * query server and the load generator on CPU 1. Their ratio is what serving over HTTP costs the
     * shard server; the query server's own cost is on the other CPU (stateless, it scales out).
     * Threads not named by a part (JIT, GC, the catalog's broker) run anywhere.
     */
    private List<String> oneCpuPerTier(
            int run, ShardedIndex index, float[][] queries, int ef, HttpLoad closed, long millis)
            throws Exception {
        List<String> rows = new ArrayList<>();
        try {
            int shardThreads =
                    CpuPinning.pin(c -> ThreadCpu.partOfComm(c) == ThreadCpu.Part.SHARD_SERVER, 0);
            int queryThreads =
                    CpuPinning.pin(
                            c ->
                                    ThreadCpu.partOfComm(c) == ThreadCpu.Part.QUERY_SERVER
                                            || ThreadCpu.partOfComm(c) == ThreadCpu.Part.CLIENT,
                            1);
            log(
                    "run %d/%d: one CPU per tier: %d shard server threads on CPU 0, %d query"
                            + " server and client threads and the load generator on CPU 1",
                    run, runs, shardThreads, queryThreads);
            Phase inProcess =
                    closedLoopPhase(
                            concurrency,
                            millis,
                            i -> index.search(queries[i % queries.length], k, ef),
                            0);
            rows.add(row(run, "in_process_cpu0", "closed", concurrency, 0, inProcess));
            Phase http = closed.run(concurrency, millis, 1);
            rows.add(row(run, "http_cpu_per_tier", "closed", concurrency, 0, http));
            log(
                    "run %d/%d: one CPU per tier: in-process %.0f QPS, HTTP %.0f QPS (%.2f×);"
                            + " HTTP CPU per request: shard server %.0f µs, query server %.0f µs",
                    run,
                    runs,
                    inProcess.qps(),
                    http.qps(),
                    http.qps() / inProcess.qps(),
                    http.cpuMicrosPerRequest(ThreadCpu.Part.SHARD_SERVER),
                    http.cpuMicrosPerRequest(ThreadCpu.Part.QUERY_SERVER));
        } finally {
            CpuPinning.unpinAll();
        }
        return rows;
    }

    /**
     * {@code workers} closed-loop workers calling {@code call} for {@code millis}, each pinned to
     * CPU {@code cpu} (not pinned when negative), with the CPU the JVM's parts spent meanwhile.
     */
    private static Phase closedLoopPhase(int workers, long millis, Load.Call call, int cpu)
            throws Exception {
        ThreadCpu.Sample before = ThreadCpu.sample();
        Load.Result r =
                Load.closedLoop(
                        workers,
                        millis,
                        call,
                        cpu < 0 ? null : () -> CpuPinning.pinCurrentThread(cpu));
        return Phase.of(r, ThreadCpu.sample().since(before));
    }

    private int chooseEf(ShardedIndex index, float[][] queries, int[][] truth) {
        int[] candidates = {10, 12, 16, 20, 24, 32, 48, 64, 96, 128};
        for (int c : candidates) {
            if (c >= k && recall(index, queries, truth, c) >= recallTarget) {
                return c;
            }
        }
        return candidates[candidates.length - 1];
    }

    private double recall(ShardedIndex index, float[][] queries, int[][] truth, int ef) {
        int found = 0;
        for (int q = 0; q < queries.length; q++) {
            found += overlap(index.search(queries[q], k, ef), truth[q]);
        }
        return found / (double) (queries.length * k);
    }

    private double httpRecall(BenchStack stack, byte[][] bodies, int[][] truth) throws Exception {
        int n = Math.min(bodies.length, 1000);
        int found = 0;
        for (int q = 0; q < n; q++) {
            JsonNode result = JSON.readTree(stack.search(bodies[q])).get("result");
            for (JsonNode hit : result) {
                int id = Integer.parseInt(hit.get("id").asText());
                for (int t = 0; t < k; t++) {
                    if (truth[q][t] == id) {
                        found++;
                    }
                }
            }
        }
        return found / (double) (n * k);
    }

    private int overlap(SearchHits hits, int[] truth) {
        int found = 0;
        for (int i = 0; i < hits.size(); i++) {
            int id = Integer.parseInt(hits.id(i));
            for (int t = 0; t < k; t++) {
                if (truth[t] == id) {
                    found++;
                }
            }
        }
        return found;
    }

    private byte[][] bodies(float[][] queries, int ef) {
        byte[][] bodies = new byte[queries.length][];
        for (int q = 0; q < queries.length; q++) {
            StringBuilder b = new StringBuilder("{\"vector\":[");
            for (int d = 0; d < queries[q].length; d++) {
                if (d > 0) {
                    b.append(',');
                }
                b.append(queries[q][d]);
            }
            b.append("],\"limit\":")
                    .append(k)
                    .append(",\"params\":{\"hnsw_ef\":")
                    .append(ef)
                    .append("}}");
            bodies[q] = b.toString().getBytes(StandardCharsets.UTF_8);
        }
        return bodies;
    }

    private static String row(
            int run, String path, String load, int concurrency, double rate, Phase r) {
        return String.format(
                Locale.ROOT,
                "%d,%s,%s,%d,%.0f,%d,%d,%.3f,%.1f,%.3f,%.3f,%.3f,%.3f,%.1f,%.1f,%.1f,%.1f,%.1f",
                run,
                path,
                load,
                concurrency,
                rate,
                r.requests(),
                r.errors(),
                r.seconds(),
                r.qps(),
                r.p50Ms(),
                r.p90Ms(),
                r.p99Ms(),
                r.p999Ms(),
                r.cpuMicrosPerRequest(),
                r.cpuMicrosPerRequest(ThreadCpu.Part.QUERY_SERVER),
                r.cpuMicrosPerRequest(ThreadCpu.Part.SHARD_SERVER),
                r.cpuMicrosPerRequest(ThreadCpu.Part.CLIENT),
                r.cpuMicrosPerRequest(ThreadCpu.Part.OTHER));
    }

    /** Medians over the runs of the closed-loop QPS and of the open-loop HTTP percentiles. */
    private String summary(
            List<String> rows, int ef, double recall, double httpRecall, int n, int dim) {
        double[] inQps = column(rows, "in_process", "closed", 8);
        double[] httpQps = column(rows, "http", "closed", 8);
        double[] ratios = new double[Math.min(inQps.length, httpQps.length)];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = httpQps[i] / inQps[i];
        }
        double ratio = median(ratios);
        StringBuilder s = new StringBuilder();
        s.append(
                String.format(
                        Locale.ROOT,
                        "http-bench: %d x %d, L2, %d shard%s, HNSW M %d efConstruction %d, ef %d,"
                                + " k %d%n",
                        n,
                        dim,
                        shards,
                        shards == 1 ? "" : "s",
                        m,
                        efc,
                        ef,
                        k));
        s.append(
                String.format(
                        Locale.ROOT,
                        "  recall@%d in-process %.4f, over HTTP %.4f%n",
                        k,
                        recall,
                        httpRecall));
        s.append(
                String.format(
                        Locale.ROOT,
                        "  closed loop, %d workers (median of %d runs): in-process %.0f QPS, HTTP %.0f QPS%n",
                        concurrency,
                        ratios.length,
                        median(inQps),
                        median(httpQps)));
        s.append(
                String.format(
                        Locale.ROOT,
                        "  HTTP / in-process throughput: %.2f (server overhead %.0f %%; target <= 25 %%)%n",
                        ratio,
                        (1 - ratio) * 100));
        double[] inCpu = column(rows, "in_process", "closed", 13);
        double[] httpCpu = column(rows, "http", "closed", 13);
        double[] cpuRatios = new double[Math.min(inCpu.length, httpCpu.length)];
        for (int i = 0; i < cpuRatios.length; i++) {
            cpuRatios[i] = inCpu[i] / httpCpu[i];
        }
        s.append(
                String.format(
                        Locale.ROOT,
                        "  CPU per request (closed loop, server and load generator): in-process %.0f µs, HTTP %.0f µs; in-process / HTTP: %.2f (the throughput ratio when both saturate the cores)%n",
                        median(inCpu),
                        median(httpCpu),
                        median(cpuRatios)));
        s.append(
                String.format(
                        Locale.ROOT,
                        "  HTTP CPU per request by part: query server %.0f µs, shard server %.0f µs, load generator %.0f µs, other (JIT, GC, broker) %.0f µs; in-process: searching threads %.0f µs, other %.0f µs%n",
                        median(column(rows, "http", "closed", 14)),
                        median(column(rows, "http", "closed", 15)),
                        median(column(rows, "http", "closed", 16)),
                        median(column(rows, "http", "closed", 17)),
                        median(column(rows, "in_process", "closed", 16)),
                        median(column(rows, "in_process", "closed", 17))));
        double[] aloneQps = column(rows, "in_process_cpu0", "closed", 8);
        double[] tierQps = column(rows, "http_cpu_per_tier", "closed", 8);
        if (aloneQps.length > 0) {
            double[] tierRatios = new double[Math.min(aloneQps.length, tierQps.length)];
            for (int i = 0; i < tierRatios.length; i++) {
                tierRatios[i] = tierQps[i] / aloneQps[i];
            }
            double tier = median(tierRatios);
            s.append(
                    String.format(
                            Locale.ROOT,
                            "  one CPU per tier (shard server on CPU 0; query server and load generator on CPU 1): in-process on CPU 0 %.0f QPS, HTTP %.0f QPS: %.2f (shard server overhead %.0f %%; target <= 25 %%)%n",
                            median(aloneQps),
                            median(tierQps),
                            tier,
                            (1 - tier) * 100));
        }
        s.append(
                String.format(
                        Locale.ROOT,
                        "  open loop at %.0f/s, HTTP: p50 %.2f ms, p99 %.2f ms (target p99 <= 5 ms); in-process p50 %.2f ms, p99 %.2f ms",
                        rate,
                        median(column(rows, "http", "open", 9)),
                        median(column(rows, "http", "open", 11)),
                        median(column(rows, "in_process", "open", 9)),
                        median(column(rows, "in_process", "open", 11))));
        return s.toString();
    }

    private static double[] column(List<String> rows, String path, String load, int col) {
        List<Double> values = new ArrayList<>();
        for (String r : rows) {
            String[] f = r.split(",");
            if (f[1].equals(path) && f[2].equals(load)) {
                values.add(Double.parseDouble(f[col]));
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Open-loop latency percentiles of every run, HTTP and in-process. */
    private void plot(List<String> rows, Path png) throws Exception {
        XYChart chart =
                new XYChartBuilder()
                        .width(900)
                        .height(600)
                        .title(
                                String.format(
                                        Locale.ROOT, "search latency at %.0f requests/s", rate))
                        .xAxisTitle("percentile")
                        .yAxisTitle("latency (ms)")
                        .build();
        chart.getStyler().setYAxisLogarithmic(true);
        double[] x = {50, 90, 99, 99.9};
        for (String r : rows) {
            String[] f = r.split(",");
            if (!f[2].equals("open")) {
                continue;
            }
            double[] y = new double[4];
            for (int i = 0; i < 4; i++) {
                y[i] = Math.max(0.001, Double.parseDouble(f[9 + i]));
            }
            chart.addSeries(f[1] + " run " + f[0], x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        String file = png.toString();
        BitmapEncoder.saveBitmap(
                chart, file.substring(0, file.length() - 4), BitmapEncoder.BitmapFormat.PNG);
    }

    private static float[][] gaussian(int n, int dim, long seed) {
        Random random = new Random(seed);
        float[][] v = new float[n][dim];
        for (float[] row : v) {
            for (int d = 0; d < dim; d++) {
                row[d] = (float) random.nextGaussian();
            }
        }
        return v;
    }

    /** Exact top-k ids per query: one pass over the base keeping the k nearest in order. */
    private static int[][] bruteForce(float[][] base, float[][] queries, int k) {
        int[][] truth = new int[queries.length][];
        for (int q = 0; q < queries.length; q++) {
            float[] query = queries[q];
            int[] ids = new int[k];
            double[] dist = new double[k];
            int size = 0;
            for (int i = 0; i < base.length; i++) {
                double s = 0;
                for (int d = 0; d < query.length; d++) {
                    double diff = base[i][d] - query[d];
                    s += diff * diff;
                }
                if (size == k && s >= dist[k - 1]) {
                    continue;
                }
                int at = size < k ? size++ : k - 1;
                while (at > 0 && dist[at - 1] > s) {
                    dist[at] = dist[at - 1];
                    ids[at] = ids[at - 1];
                    at--;
                }
                dist[at] = s;
                ids[at] = i;
            }
            truth[q] = Arrays.copyOf(ids, size);
        }
        return truth;
    }

    private static void log(String format, Object... args) {
        LOG.println("http-bench: " + String.format(Locale.ROOT, format, args));
    }
}
