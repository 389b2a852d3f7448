package io.quiver.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.bench.VecFiles;
import io.quiver.index.hnsw.HnswIndex;
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
 * a real {@link ShardServer} (one shard) behind a real query server on loopback, and the anchor
 * calls the very same index object directly. The load generator is Java's {@link HttpClient}
 * (HTTP/1.1, keep-alive), in this JVM.
 *
 * <p>Per run, alternating so drift on a shared machine hits both alike: closed-loop throughput with
 * {@code --concurrency} workers (in-process, then HTTP), then open-loop latency at {@code --rate}
 * requests per second (in-process, then HTTP). Result cache off, so every HTTP search reaches the
 * shard. Progress and the summary go to stderr, CSV rows to stdout and {@code --out}.
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

    private static final String CSV_HEADER =
            "run,path,load,concurrency,target_rate,requests,errors,seconds,qps,p50_ms,p90_ms,p99_ms,p999_ms";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final PrintStream LOG = System.err;

    /** Where the CSV rows go: standard output as it was before logging could take it. */
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
            queries = gaussian(Math.max(10, n / 10), dim, 2);
        } else {
            if (base == null || query == null) {
                throw new CommandLine.ParameterException(
                        new CommandLine(this), "give --base and --query, or --generate N:DIM");
            }
            baseVectors = VecFiles.readFvecs(base);
            queries = VecFiles.readFvecs(query);
        }
        int dim = baseVectors[0].length;
        log("%d base vectors, %d queries, %d dimensions", baseVectors.length, queries.length, dim);
        int[][] truth = gt != null ? VecFiles.readIvecs(gt) : bruteForce(baseVectors, queries, k);

        long t0 = System.nanoTime();
        HnswIndex index =
                HnswIndex.builder(dim, Metric.L2)
                        .m(m)
                        .efConstruction(efc)
                        .buildThreads(threads)
                        .build();
        String[] ids = new String[baseVectors.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.toString(i);
        }
        index.addAll(baseVectors, ids);
        log(
                "built HNSW (M %d, efConstruction %d) in %.1f s",
                m, efc, (System.nanoTime() - t0) / 1e9);

        int chosenEf = ef != null ? ef : chooseEf(index, queries, truth);
        double recall = recall(index, queries, truth, chosenEf);
        log("ef %d: in-process recall@%d %.4f", chosenEf, k, recall);

        List<String> rows = new ArrayList<>();
        try (BenchStack stack = BenchStack.start(index, baseVectors, dim, chosenEf)) {
            byte[][] bodies = bodies(queries, chosenEf);
            double httpRecall = httpRecall(stack, bodies, truth);
            log("recall@%d over HTTP %.4f (same index)", k, httpRecall);
            for (int run = 1; run <= runs; run++) {
                rows.addAll(oneRun(run, index, queries, chosenEf, stack, bodies));
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

    private List<String> oneRun(
            int run, HnswIndex index, float[][] queries, int ef, BenchStack stack, byte[][] bodies)
            throws Exception {
        long millis = (long) (seconds * 1000);
        List<String> rows = new ArrayList<>();
        // Warm-up of both paths, unmeasured.
        Load.closedLoop(
                concurrency,
                millis / 4 + 1,
                i -> index.search(queries[i % queries.length], k, ef, null));
        Load.closedLoop(concurrency, millis / 4 + 1, i -> stack.search(bodies[i % bodies.length]));

        log("run %d/%d: closed loop, %d workers, in-process", run, runs, concurrency);
        Load.Result inProcess =
                Load.closedLoop(
                        concurrency,
                        millis,
                        i -> index.search(queries[i % queries.length], k, ef, null));
        rows.add(row(run, "in_process", "closed", concurrency, 0, inProcess));
        log("run %d/%d: closed loop, %d workers, HTTP", run, runs, concurrency);
        Load.Result http =
                Load.closedLoop(concurrency, millis, i -> stack.search(bodies[i % bodies.length]));
        rows.add(row(run, "http", "closed", concurrency, 0, http));
        log(
                "run %d/%d: in-process %.0f QPS, HTTP %.0f QPS (%.2f×)",
                run, runs, inProcess.qps(), http.qps(), http.qps() / inProcess.qps());

        log("run %d/%d: open loop at %.0f/s, in-process", run, runs, rate);
        ExecutorService pool = Load.pool(concurrency, "bench-in-process");
        try {
            Load.Result inProcessRate =
                    Load.openLoop(
                            rate,
                            millis,
                            i ->
                                    CompletableFuture.runAsync(
                                            () ->
                                                    index.search(
                                                            queries[i % queries.length],
                                                            k,
                                                            ef,
                                                            null),
                                            pool));
            rows.add(row(run, "in_process", "open", concurrency, rate, inProcessRate));
        } finally {
            pool.shutdownNow();
        }
        log("run %d/%d: open loop at %.0f/s, HTTP", run, runs, rate);
        Load.Result httpRate =
                Load.openLoop(rate, millis, i -> stack.searchAsync(bodies[i % bodies.length]));
        rows.add(row(run, "http", "open", concurrency, rate, httpRate));
        log(
                "run %d/%d: HTTP at %.0f/s: p50 %.2f ms, p99 %.2f ms",
                run, runs, rate, httpRate.percentileMs(50), httpRate.percentileMs(99));
        return rows;
    }

    private int chooseEf(HnswIndex index, float[][] queries, int[][] truth) {
        int[] candidates = {10, 12, 16, 20, 24, 32, 48, 64, 96, 128};
        for (int c : candidates) {
            if (c >= k && recall(index, queries, truth, c) >= recallTarget) {
                return c;
            }
        }
        return candidates[candidates.length - 1];
    }

    private double recall(HnswIndex index, float[][] queries, int[][] truth, int ef) {
        int found = 0;
        for (int q = 0; q < queries.length; q++) {
            found += overlap(index.search(queries[q], k, ef, null), truth[q]);
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
            int run, String path, String load, int concurrency, double rate, Load.Result r) {
        return String.format(
                Locale.ROOT,
                "%d,%s,%s,%d,%.0f,%d,%d,%.3f,%.1f,%.3f,%.3f,%.3f,%.3f",
                run,
                path,
                load,
                concurrency,
                rate,
                r.requests(),
                r.errors(),
                r.seconds(),
                r.qps(),
                r.percentileMs(50),
                r.percentileMs(90),
                r.percentileMs(99),
                r.percentileMs(99.9));
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
                        "http-bench: %d x %d, L2, HNSW M %d efConstruction %d, ef %d, k %d%n",
                        n,
                        dim,
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

    private static int[][] bruteForce(float[][] base, float[][] queries, int k) {
        int[][] truth = new int[queries.length][];
        for (int q = 0; q < queries.length; q++) {
            float[] query = queries[q];
            Integer[] order = new Integer[base.length];
            double[] dist = new double[base.length];
            for (int i = 0; i < base.length; i++) {
                order[i] = i;
                double s = 0;
                for (int d = 0; d < query.length; d++) {
                    double diff = base[i][d] - query[d];
                    s += diff * diff;
                }
                dist[i] = s;
            }
            Arrays.sort(order, (a, b) -> Double.compare(dist[a], dist[b]));
            truth[q] = new int[k];
            for (int i = 0; i < k; i++) {
                truth[q][i] = order[i];
            }
        }
        return truth;
    }

    private static void log(String format, Object... args) {
        LOG.println("http-bench: " + String.format(Locale.ROOT, format, args));
    }
}
