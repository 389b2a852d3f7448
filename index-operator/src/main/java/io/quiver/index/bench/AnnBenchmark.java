package io.quiver.index.bench;

import io.quiver.index.Metric;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.index.hnsw.SearchScratch;
import io.quiver.index.hnsw.Storage;
import io.quiver.index.vector.VectorKernels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Quiver's HNSW against hnswlib and Lucene on one data set, in one run: builds, searches single
 * threaded one query at a time for each ef, prints CSV rows to stdout (progress to stderr), writes
 * the CSV, a summary and a recall-vs-QPS PNG under {@code --out}. A benchmark, not a test.
 */
@Command(
        name = "ann",
        mixinStandardHelpOptions = true,
        description = "Recall and single-thread QPS of Quiver's HNSW against hnswlib and Lucene.")
public final class AnnBenchmark implements Callable<Integer> {

    static final double TARGET_RECALL = 0.95;

    static final int WARMUP_SEARCHES = 20_000;

    @Option(names = "--base", required = true, description = "base vectors (.fvecs)")
    Path base;

    @Option(names = "--query", required = true, description = "query vectors (.fvecs)")
    Path query;

    @Option(names = "--gt", required = true, description = "ground-truth ids (.ivecs)")
    Path gt;

    @Option(names = "--metric", defaultValue = "l2", description = "l2, cosine or dot")
    String metric;

    @Option(names = "--M", defaultValue = "16", description = "links per node (default 16)")
    int m;

    @Option(names = "--efc", defaultValue = "200", description = "efConstruction (default 200)")
    int efc;

    @Option(
            names = "--ef",
            defaultValue = "10,20,40,80,120,200,400",
            split = ",",
            description = "search ef values")
    int[] efs;

    @Option(names = "--k", defaultValue = "10", description = "neighbours per query")
    int k;

    @Option(names = "--threads", defaultValue = "2", description = "build threads (default 2)")
    int threads;

    @Option(
            names = "--storage",
            defaultValue = "float32",
            split = ",",
            description =
                    "float32, int8, or both (float32,int8): each is built and timed in this run,"
                            + " pass by pass; the others are compared with the first")
    List<String> storages;

    @Option(names = "--no-anchors", description = "skip hnswlib and Lucene")
    boolean noAnchors;

    @Option(names = "--out", description = "directory for results.csv, summary.txt, recall_qps.png")
    Path out;

    @Option(names = "--reps", defaultValue = "3", description = "timed passes per ef (median)")
    int reps;

    @Option(names = "--anchors", defaultValue = "hnswlib,lucene", split = ",", hidden = true)
    List<String> anchors;

    @Option(
            names = "--hnswlib-script",
            hidden = true,
            defaultValue = "${sys:quiver.bench.hnswlib:-../shared/bench/anchor_hnswlib.py}")
    Path hnswlibScript;

    private final PrintStream log = System.err;

    /** One system under measurement, searched from this JVM. */
    interface Contender {
        String name();

        int buildThreads();

        double buildSeconds();

        /** One timed pass over all queries at {@code ef}; fills {@code found}; returns seconds. */
        double pass(int ef, int[][] found) throws Exception;
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new AnnBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Metric metricValue = Metric.parse(metric);
        List<Storage> storageValues = new ArrayList<>();
        for (String s : storages) {
            Storage st = Storage.parse(s);
            if (storageValues.contains(st)) {
                throw new IllegalArgumentException("--storage names " + st + " twice");
            }
            storageValues.add(st);
        }
        float[][] baseVectors = VecFiles.readFvecs(base);
        float[][] queries = VecFiles.readFvecs(query);
        int[][] truth = VecFiles.readIvecs(gt);
        if (truth.length < queries.length || truth[0].length < k) {
            throw new IllegalArgumentException(
                    "ground truth has "
                            + truth.length
                            + " rows of "
                            + truth[0].length
                            + " ids, need "
                            + queries.length
                            + " rows of at least k="
                            + k);
        }
        int dim = baseVectors[0].length;
        log.printf(
                Locale.ROOT,
                "data: %d base, %d queries, dimension %d, metric %s; kernels %s; %s%n",
                baseVectors.length,
                queries.length,
                dim,
                metricValue,
                VectorKernels.get().name(),
                System.getProperty("java.vm.version"));
        List<Curve> curves = new ArrayList<>();
        System.out.println(Curve.HEADER);

        // Plan, so that load drifting on a shared machine hits every system alike: build Quiver
        // (each storage asked for, and Lucene), time Quiver's passes, run hnswlib (its own
        // process), then time Quiver again interleaved pass by pass with Lucene. Quiver's QPS is
        // the median of all its passes. Storages share this JVM and so its compiled search loop,
        // as in a shard process that serves collections of both.
        List<Contender> quivers = new ArrayList<>();
        for (Storage st : storageValues) {
            quivers.add(new QuiverSystem(baseVectors, queries, metricValue, st));
        }
        boolean withHnswlib = !noAnchors && anchors.contains("hnswlib");
        boolean withLucene = !noAnchors && anchors.contains("lucene");
        LuceneAnchor lucene =
                withLucene
                        ? new LuceneAnchor(baseVectors, queries, metricValue, m, efc, k, log)
                        : null;
        try {
            List<Contender> inJvm = new ArrayList<>(quivers);
            if (lucene != null) {
                inJvm.add(lucene);
            }
            Measurements before = measure(quivers, queries.length, truth, withHnswlib ? reps : 0);
            Curve hnswlib = withHnswlib ? runHnswlib(metricValue) : null;
            Measurements after = measure(inJvm, queries.length, truth, reps);
            for (Contender quiver : quivers) {
                Curve q = after.curve(quiver, before);
                q.rows.forEach(System.out::println);
                curves.add(q);
            }
            if (hnswlib != null) {
                hnswlib.rows.forEach(System.out::println);
                curves.add(hnswlib);
            }
            if (lucene != null) {
                Curve l = after.curve(lucene, null);
                l.rows.forEach(System.out::println);
                curves.add(l);
            }
        } finally {
            if (lucene != null) {
                lucene.close();
            }
        }
        List<String> summary = summarize(curves);
        summary.forEach(log::println);
        if (out != null) {
            Files.createDirectories(out);
            List<String> csv = new ArrayList<>();
            csv.add(Curve.HEADER);
            curves.forEach(c -> csv.addAll(c.rows));
            Files.write(out.resolve("results.csv"), csv, StandardCharsets.UTF_8);
            Files.write(out.resolve("summary.txt"), summary, StandardCharsets.UTF_8);
            Plot.recallQps(curves, k, out.resolve("recall_qps.png"), base.getFileName().toString());
            log.println("wrote " + out.resolve("results.csv") + ", summary.txt, recall_qps.png");
        }
        return 0;
    }

    private final List<String> memoryLines = new ArrayList<>();

    /** Timings per system and ef, and the recall of each system's last pass. */
    private final class Measurements {
        final java.util.Map<Contender, java.util.Map<Integer, List<Double>>> times =
                new java.util.HashMap<>();
        final java.util.Map<Contender, java.util.Map<Integer, Double>> recall =
                new java.util.HashMap<>();

        Curve curve(Contender system, Measurements earlier) {
            Curve curve = new Curve(system.name());
            for (int ef : efs) {
                List<Double> all = new ArrayList<>(times.get(system).get(ef));
                if (earlier != null && earlier.times.containsKey(system)) {
                    all.addAll(earlier.times.get(system).get(ef));
                }
                double[] t = all.stream().mapToDouble(Double::doubleValue).toArray();
                curve.add(
                        m,
                        efc,
                        system.buildThreads(),
                        system.buildSeconds(),
                        ef,
                        k,
                        recall.get(system).get(ef),
                        queryCount / Recall.median(t));
            }
            return curve;
        }

        int queryCount;
    }

    private Measurements measure(List<Contender> systems, int queryCount, int[][] truth, int passes)
            throws Exception {
        Measurements result = new Measurements();
        result.queryCount = queryCount;
        if (passes == 0) {
            return result;
        }
        int[][] found = new int[queryCount][k];
        try (ProgressBar bar =
                new ProgressBarBuilder()
                        .setTaskName(
                                String.join("+", systems.stream().map(Contender::name).toList()))
                        .setInitialMax((long) efs.length * passes * systems.size())
                        .setConsumer(new ConsoleProgressBarConsumer(System.err))
                        .build()) {
            for (int ef : efs) {
                for (int r = 0; r < passes; r++) {
                    for (Contender system : systems) {
                        double seconds = system.pass(ef, found);
                        result.times
                                .computeIfAbsent(system, x -> new java.util.HashMap<>())
                                .computeIfAbsent(ef, x -> new ArrayList<>())
                                .add(seconds);
                        result.recall
                                .computeIfAbsent(system, x -> new java.util.HashMap<>())
                                .put(ef, Recall.of(found, truth, k));
                        bar.step();
                    }
                }
            }
        }
        return result;
    }

    /** Quiver's index, built at construction and warmed up. */
    private final class QuiverSystem implements Contender {
        private final String name;
        private final HnswIndex index;
        private final double buildSeconds;
        private final float[][] queries;
        private final SearchScratch scratch;
        private final int[] nodes = new int[k];
        private final float[] distances = new float[k];

        QuiverSystem(float[][] baseVectors, float[][] queries, Metric metricValue, Storage st) {
            this.queries = queries;
            name = st == Storage.INT8 ? "quiver-int8" : "quiver";
            index =
                    HnswIndex.builder(baseVectors[0].length, metricValue)
                            .m(m)
                            .efConstruction(efc)
                            .storage(st)
                            .buildThreads(threads)
                            .withIds(false)
                            .build();
            log.printf("%s: building with %d threads%n", name, threads);
            long t0 = System.nanoTime();
            index.addAll(baseVectors, null);
            buildSeconds = (System.nanoTime() - t0) / 1e9;
            int n = baseVectors.length;
            int d = baseVectors[0].length;
            double perVector = (double) index.ramBytesUsed() / n;
            double bound = 1.15 * (4.0 * d + 8.0 * m);
            String rescoring = "";
            if (st == Storage.INT8) {
                // Rescoring reads the base vectors this benchmark holds anyway, as a shard reads
                // the points it keeps: the index itself holds only graph and codes.
                index.rescoreWith((node, id, dst) -> copy(baseVectors[node], dst));
                rescoring =
                        String.format(
                                Locale.ROOT,
                                "; rescoring reads the caller's float32 vectors (%d bytes/vector,"
                                        + " not in the index)",
                                4 * d);
            }
            memoryLines.add(
                    String.format(
                            Locale.ROOT,
                            "%s memory: index (graph + %s) %.1f bytes/vector (float32 bound"
                                    + " 1.15*(4d+8M) = %.1f)%s",
                            name,
                            st == Storage.INT8 ? "int8 codes" : "float32 vectors",
                            perVector,
                            bound,
                            rescoring));
            log.printf(
                    "%s: built in %.1f s; %s%n",
                    name, buildSeconds, memoryLines.get(memoryLines.size() - 1));
            scratch = index.newScratch();
            // Warm-up: compile the search loop at both ends of the ef range before timing.
            // 20,000 searches whatever the query count, so that small sets get compiled code too.
            for (int ef : new int[] {efs[0], efs[efs.length - 1]}) {
                for (int i = 0; i < WARMUP_SEARCHES / 2; i++) {
                    index.search(
                            queries[i % queries.length], k, ef, null, scratch, nodes, distances);
                }
            }
        }

        private static boolean copy(float[] vector, float[] dst) {
            System.arraycopy(vector, 0, dst, 0, vector.length);
            return true;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int buildThreads() {
            return threads;
        }

        @Override
        public double buildSeconds() {
            return buildSeconds;
        }

        @Override
        public double pass(int ef, int[][] found) {
            long s0 = System.nanoTime();
            for (int i = 0; i < queries.length; i++) {
                int got = index.search(queries[i], k, ef, null, scratch, nodes, distances);
                int[] row = found[i];
                System.arraycopy(nodes, 0, row, 0, got);
                for (int j = got; j < k; j++) {
                    row[j] = -1;
                }
            }
            return (System.nanoTime() - s0) / 1e9;
        }
    }

    private Curve runHnswlib(Metric metricValue) throws IOException, InterruptedException {
        if (!Files.isRegularFile(hnswlibScript)) {
            log.println("hnswlib: anchor script " + hnswlibScript + " not found, skipped");
            return null;
        }
        String python =
                Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        String space =
                switch (metricValue) {
                    case L2 -> "l2";
                    case COSINE -> "cosine";
                    case DOT -> "ip";
                };
        StringBuilder efList = new StringBuilder();
        for (int ef : efs) {
            efList.append(efList.length() == 0 ? "" : ",").append(ef);
        }
        List<String> cmd =
                List.of(
                        python,
                        hnswlibScript.toString(),
                        base.toString(),
                        query.toString(),
                        gt.toString(),
                        "--space",
                        space,
                        "--M",
                        Integer.toString(m),
                        "--efc",
                        Integer.toString(efc),
                        "--threads",
                        Integer.toString(threads),
                        "--ef",
                        efList.toString(),
                        "--k",
                        Integer.toString(k),
                        "--reps",
                        Integer.toString(reps));
        log.println("hnswlib: " + String.join(" ", cmd));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Curve curve = new Curve("hnswlib");
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("hnswlib,")) {
                    curve.addRow(line);
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || curve.points.isEmpty()) {
            log.println("hnswlib: anchor failed with exit code " + rc + ", skipped");
            return null;
        }
        return curve;
    }

    private List<String> summarize(List<Curve> curves) {
        List<String> lines = new ArrayList<>();
        Curve q = curves.get(0);
        double qq = q.qpsAt(TARGET_RECALL);
        lines.add(
                String.format(
                        Locale.ROOT,
                        "%s: QPS at recall@%d=%.2f: %.0f; build %.2f s",
                        q.system,
                        k,
                        TARGET_RECALL,
                        qq,
                        q.buildSeconds));
        for (Curve c : curves.subList(1, curves.size())) {
            double qa = c.qpsAt(TARGET_RECALL);
            lines.add(
                    String.format(
                            Locale.ROOT,
                            "%s: QPS at recall@%d=%.2f: %.0f; build %.2f s; QPS ratio %s/%s = %.2f;"
                                    + " build time ratio = %.2f",
                            c.system,
                            k,
                            TARGET_RECALL,
                            qa,
                            c.buildSeconds,
                            q.system,
                            c.system,
                            qq / qa,
                            q.buildSeconds / c.buildSeconds));
        }
        lines.addAll(memoryLines);
        return lines;
    }
}
