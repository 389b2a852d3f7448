package io.quiver.local.bench;

import io.quiver.index.Metric;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.index.hnsw.Storage;
import io.quiver.local.client.QuiverHttp;
import io.quiver.local.demo.IdxImages;
import io.quiver.schemas.routing.ShardKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end benchmark behind {@code scripts/bench/e2e}: ingest throughput against the HNSW
 * core's own build rate on the same data (the ceiling, built in this JVM before the stack starts),
 * produce-to-searchable latency during sustained ingest at half the measured linking rate, search
 * latency idle and during ingest, and checkpoint cost, all against a {@code scripts/quiver-local}
 * stack it starts on free ports and stops at the end.
 *
 * <p>Progress goes to stderr; CSV, PNG and {@code summary.md} to {@code --out}; the last line on
 * stdout is the {@code key=value} summary.
 */
@Command(
        name = "e2e",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "End-to-end benchmark of a local Quiver stack: ingest throughput (with the HNSW core's"
                    + " build rate as the ceiling), produce-to-searchable freshness, search"
                    + " latency idle and during ingest, checkpoint cost.",
            "Full run: Fashion-MNIST 60k (if installed) and a generated 1,000,000 x 128 set."
        })
public final class E2eBenchmark implements Callable<Integer> {

    @Option(
            names = "--quick",
            description =
                    "a generated 100,000 x 128 set, 30 s measured after the warm-up (about 4"
                            + " minutes)")
    boolean quick;

    @Option(
            names = "--smoke",
            description =
                    "a generated 3,000 x 32 set, 12 s sustained phase: checks that the benchmark works, measures nothing")
    boolean smoke;

    @Option(
            names = "--out",
            defaultValue = "target/bench-e2e",
            description = "CSV, PNG and summary.md go here (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--n", description = "generated base vectors (overrides the mode's)")
    Integer n;

    @Option(names = "--dim", description = "generated dimension (overrides the mode's)")
    Integer dim;

    @Option(names = "--sustain-s", description = "sustained phase seconds (overrides the mode's)")
    Integer sustainSeconds;

    @Option(
            names = "--warm-up-s",
            description =
                    "seconds of the sustained load before its measured window (default 120,"
                            + " --smoke 2): the stack's JVMs still compile much of their code for"
                            + " minutes after the load changes")
    Integer warmUpSeconds;

    @Option(
            names = "--fashion-mnist",
            defaultValue = "/usr/share/datasets/fashion-mnist",
            description =
                    "IDX files of Fashion-MNIST (default: ${DEFAULT-VALUE}; Debian: apt-get install dataset-fashion-mnist)")
    Path fashionMnist;

    @Option(
            names = "--rate-fraction",
            defaultValue = "0.5",
            description =
                    "sustained ingest rate as a share of the measured maximum linking rate (default:"
                            + " ${DEFAULT-VALUE})")
    double rateFraction;

    @Option(
            names = "--search-rate",
            defaultValue = "20",
            description =
                    "searches per second of the search-latency client during sustained ingest, one"
                            + " client (default: ${DEFAULT-VALUE}); 0 runs them back to back,"
                            + " taking whatever CPU the rest leaves")
    double searchRate;

    @Option(names = "--m", defaultValue = "16", description = "HNSW M of the benchmark collections")
    int m;

    @Option(names = "--ef-construction", defaultValue = "200", description = "HNSW efConstruction")
    int efConstruction;

    @Option(
            names = "--storage",
            defaultValue = "float32",
            description =
                    "vector storage of the benchmark collections and the core build: float32 or"
                            + " int8 (default: ${DEFAULT-VALUE})")
    Storage storage;

    @Option(
            names = "--build-threads",
            defaultValue = "2",
            description =
                    "threads of the core's build, the ceiling (default: the local job's parallelism, ${DEFAULT-VALUE})")
    int buildThreads;

    @Option(
            names = "--job-heap",
            defaultValue = "2g",
            description = "the Flink job JVM's -Xmx (default ${DEFAULT-VALUE})")
    String jobHeap;

    @Option(
            names = "--root",
            required = true,
            description = "the repository (set by scripts/bench/e2e)")
    Path root;

    @Option(
            names = "--classpath",
            required = true,
            description = "the local stack's classpath (set by scripts/bench/e2e)")
    String classpath;

    private static final String PREFIX = "quiver";
    private static final int QUERIES = 1000;

    /** The local stack's shard count (QUIVER_SHARDS' default). */
    private static final int SHARDS = ShardKeys.DEFAULT_SHARDS;

    private static final int WARM_UP = 200;
    private final PrintStream log = System.err;

    public static void main(String[] args) {
        System.exit(
                new CommandLine(new E2eBenchmark())
                        .setCaseInsensitiveEnumValuesAllowed(true)
                        .execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (quick && smoke) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "--quick and --smoke exclude each other");
        }
        String mode = smoke ? "smoke" : quick ? "quick" : "full";
        int baseN = n != null ? n : smoke ? 3_000 : quick ? 100_000 : 1_000_000;
        int d = dim != null ? dim : smoke ? 32 : 128;
        int sustain = sustainSeconds != null ? sustainSeconds : smoke ? 12 : quick ? 30 : 60;
        int minCheckpoints = smoke ? 1 : 3;
        int warmUp = warmUpSeconds != null ? warmUpSeconds : smoke ? 2 : 120;
        if (!(rateFraction > 0 && rateFraction <= 1)) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this),
                    "--rate-fraction must be in (0, 1], got " + rateFraction);
        }
        if (!(searchRate >= 0 && searchRate <= 1000)) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "--search-rate must be in [0, 1000], got " + searchRate);
        }
        Files.createDirectories(out);
        String machine = Report.machine();
        log.printf("e2e: %s run, %s, results in %s%n", mode, machine, out.toAbsolutePath());

        List<Dataset> sets = new ArrayList<>();
        String fmnistNote = "";
        if (mode.equals("full")) {
            if (Files.isRegularFile(IdxImages.imagesFile(fashionMnist, "train"))) {
                sets.add(Dataset.fashionMnist(fashionMnist, QUERIES));
            } else {
                fmnistNote = "Fashion-MNIST skipped: not found in " + fashionMnist;
                log.println("e2e: " + fmnistNote + " (apt-get install -y dataset-fashion-mnist)");
            }
        }
        // Enough new vectors and markers for the longest sustained phase at any plausible rate;
        // the paced producer reuses vectors under new ids past the end.
        Dataset generated = Dataset.generated(baseN, d, Math.max(baseN / 2, 1000), QUERIES, 42);
        sets.add(generated);

        List<Report.CoreBuild> core = new ArrayList<>();
        for (Dataset set : sets) {
            core.add(coreBuild(set, collectionOf(set)));
        }

        Report report = new Report(out);
        List<IngestRun.Result> ingests = new ArrayList<>();
        double[] idle;
        SustainedRun.Result sustained;
        Path stackDir = out.resolve("stack");
        try (LocalStack stack =
                LocalStack.start(
                        root, stackDir, classpath, jobHeap, out.resolve("quiver-local.out"), log)) {
            QuiverHttp http = stack.http();
            // The job's checkpoint history and the index operator's metrics, found once for all
            // phases.
            CheckpointStats flink = new CheckpointStats(stack.flinkRest(), "quiver");
            String markers = "bench-markers";
            http.putCollection(markers, FreshnessProber.SPEC);
            for (Dataset set : sets) {
                String collection = collectionOf(set);
                http.putCollection(collection, spec(set.dimension()));
                ingests.add(
                        IngestRun.run(
                                set,
                                collection,
                                "p",
                                http,
                                stack.bootstrapServers(),
                                PREFIX,
                                flink,
                                log));
            }
            String collection = collectionOf(generated);
            log.println("e2e: search latency on the idle index");
            SearchLatency.measure(http, collection, Arrays.copyOf(generated.more(), WARM_UP));
            idle = SearchLatency.measure(http, collection, generated.queries());
            // Points are searchable before they are linked; the graphs' linking rate is what the
            // index sustains, so the sustained phase is a share of that.
            double rate = ingests.get(ingests.size() - 1).linkedVectorsPerSecond() * rateFraction;
            log.printf(
                    Locale.ROOT,
                    "e2e: sustained ingest at %.0f vectors/s for %d s after a %d s warm-up%n",
                    rate,
                    sustain,
                    warmUp);
            sustained =
                    SustainedRun.run(
                            generated,
                            collection,
                            markers,
                            rate,
                            searchRate,
                            warmUp,
                            sustain,
                            minCheckpoints,
                            stack,
                            flink,
                            PREFIX,
                            log);
        }
        // The broker's log and the checkpoints of a full run take gigabytes; the logs stay.
        for (String dir : List.of("kafka", "flink", "tmp")) {
            deleteRecursively(stackDir.resolve(dir));
        }
        for (IngestRun.Result r : ingests) {
            report.ingest(r);
        }
        report.sustained(sustained, idle);
        Summary summary =
                new Summary(
                        mode,
                        machine,
                        m,
                        efConstruction,
                        core,
                        ingests,
                        idle,
                        sustained,
                        fmnistNote);
        Files.writeString(out.resolve("summary.md"), summary.markdown());
        log.println();
        log.print(summary.markdown());
        System.out.println(summary.line());
        return 0;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String collectionOf(Dataset set) {
        return "bench-" + set.name();
    }

    private String spec(int dimension) {
        return String.format(
                Locale.ROOT,
                "{\"dimension\": %d, \"metric\": \"l2\", \"index\": {\"type\": \"hnsw\", \"m\": %d,"
                        + " \"ef_construction\": %d, \"storage\": \"%s\"}}",
                dimension,
                m,
                efConstruction,
                storage.name().toLowerCase(Locale.ROOT));
    }

    /**
     * The ceiling: the HNSW core alone building the same vectors with the same parameters, laid out
     * as the job lays them out (one graph per shard, ids routed by {@link ShardKeys}), since 32
     * graphs of n/32 points are cheaper to build than one of n. Shards are built one after the
     * other, each a parallel bulk load on {@code --build-threads} threads.
     */
    private Report.CoreBuild coreBuild(Dataset set, String collection) {
        int n = set.base().length;
        ShardKeys keys = new ShardKeys(SHARDS, ShardKeys.DEFAULT_MAX_PARALLELISM);
        List<List<Integer>> byShard = new ArrayList<>();
        for (int s = 0; s < SHARDS; s++) {
            byShard.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            byShard.get(keys.shardOf(collection, "p" + i)).add(i);
        }
        log.printf(
                "e2e: %s: HNSW core build, %d shards, %d threads%n",
                set.name(), SHARDS, buildThreads);
        long t0 = System.nanoTime();
        int done = 0;
        for (int s = 0; s < SHARDS; s++) {
            List<Integer> members = byShard.get(s);
            if (members.isEmpty()) {
                continue;
            }
            float[][] vectors = new float[members.size()][];
            String[] ids = new String[members.size()];
            for (int j = 0; j < ids.length; j++) {
                vectors[j] = set.base()[members.get(j)];
                ids[j] = "p" + members.get(j);
            }
            HnswIndex index =
                    HnswIndex.builder(set.dimension(), Metric.L2)
                            .m(m)
                            .efConstruction(efConstruction)
                            .storage(storage)
                            .buildThreads(buildThreads)
                            .build();
            index.addAll(vectors, ids);
            done += ids.length;
            if (s % 8 == 7) {
                log.printf(
                        Locale.ROOT,
                        "e2e: %s: core build %d/%d, %.1f s%n",
                        set.name(),
                        done,
                        n,
                        (System.nanoTime() - t0) / 1e9);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        log.printf(
                Locale.ROOT,
                "e2e: %s: core built %d vectors in %.1f s (%.0f/s)%n",
                set.name(),
                n,
                seconds,
                n / seconds);
        return new Report.CoreBuild(set.name(), n, buildThreads, seconds);
    }
}
