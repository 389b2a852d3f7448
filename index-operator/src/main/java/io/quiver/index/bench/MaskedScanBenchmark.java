package io.quiver.index.bench;

import io.quiver.index.Metric;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.shard.LinkLanes;
import io.quiver.shard.LiveCollection;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What a search of one shard pays for writes that are searchable but not yet linked into its graph
 * ({@code quiver.ingest.max-unlinked}): the same HNSW shard searched with 0, 64, ... unlinked
 * points, which every search scores exactly besides the graph search. Reported per dimension as µs
 * per search and as a ratio to the same shard with nothing unlinked, measured in the same run.
 * Prints CSV rows to stdout (progress and a summary to stderr) and writes the CSV and a PNG under
 * {@code --out}. A benchmark, not a test.
 */
@Command(
        name = "ann masked-scan",
        mixinStandardHelpOptions = true,
        description =
                "Search cost of one shard with unlinked (exactly scored) points, against the same"
                        + " shard with none.")
public final class MaskedScanBenchmark implements Callable<Integer> {

    private static final byte[] SPEC = "{}".getBytes(StandardCharsets.UTF_8);

    @Option(
            names = "--dim",
            defaultValue = "128,784",
            split = ",",
            description = "dimensions (default 128,784: the e2e bench's and Fashion-MNIST's)")
    int[] dims;

    @Option(
            names = "--points",
            defaultValue = "3125",
            description = "linked points in the shard (default 3125: 100,000 over 32 shards)")
    int points;

    @Option(
            names = "--masked",
            defaultValue = "0,64,128,256,512,1024,2048",
            split = ",",
            description = "unlinked points in the shard, each measured in turn (0 is the anchor)")
    int[] masked;

    @Option(names = "--M", defaultValue = "16", description = "links per node (default 16)")
    int m;

    @Option(names = "--efc", defaultValue = "200", description = "efConstruction (default 200)")
    int efc;

    @Option(names = "--ef", defaultValue = "64", description = "search ef (default 64)")
    int ef;

    @Option(names = "--k", defaultValue = "10", description = "neighbours per search")
    int k;

    @Option(names = "--queries", defaultValue = "2000", description = "searches per timed pass")
    int queries;

    @Option(
            names = "--reps",
            defaultValue = "5",
            description = "timed passes per variant, interleaved (median)")
    int reps;

    @Option(names = "--seed", defaultValue = "42", description = "random seed")
    long seed;

    @Option(names = "--out", description = "directory for masked-scan.csv and masked-scan.png")
    Path out;

    private final PrintStream log = System.err;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new MaskedScanBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        if (Arrays.stream(masked).noneMatch(x -> x == 0)) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "--masked must include 0, the anchor");
        }
        List<String> rows = new ArrayList<>(List.of("dim,points,masked,ef,k,us_per_search,ratio"));
        System.out.println(rows.get(0));
        Map<String, double[][]> curves = new LinkedHashMap<>();
        for (int dim : dims) {
            Random random = new Random(seed + dim);
            float[][] base = gaussian(points, dim, random);
            float[][] extra = gaussian(Arrays.stream(masked).max().orElse(0), dim, random);
            float[][] qs = gaussian(queries, dim, random);
            log.printf(Locale.ROOT, "masked-scan: %d-d, linking %d points%n", dim, points);
            HnswIndex index =
                    HnswIndex.builder(dim, Metric.L2).m(m).efConstruction(efc).seed(seed).build();
            String[] ids = new String[points];
            for (int i = 0; i < points; i++) {
                ids[i] = "p" + i;
            }
            index.addAll(base, ids);

            LiveCollection[] shards = new LiveCollection[masked.length];
            for (int i = 0; i < masked.length; i++) {
                shards[i] = shard(index, base, extra, masked[i]);
                pass(shards[i], qs); // warm-up: every variant's code path compiled before timing
            }
            // Passes interleaved over the variants, so a drift in machine load hits all alike.
            double[][] passes = new double[masked.length][reps];
            for (int r = 0; r < reps; r++) {
                for (int i = 0; i < masked.length; i++) {
                    passes[i][r] = pass(shards[i], qs);
                }
                log.printf(Locale.ROOT, "masked-scan: %d-d, pass %d/%d%n", dim, r + 1, reps);
            }
            double[] us = new double[masked.length];
            for (int i = 0; i < masked.length; i++) {
                Arrays.sort(passes[i]);
                us[i] = passes[i][reps / 2];
                log.printf(
                        Locale.ROOT,
                        "masked-scan: %d-d, %d unlinked: %.1f µs per search (median of %d)%n",
                        dim,
                        masked[i],
                        us[i],
                        reps);
            }
            double anchor = us[indexOf(masked, 0)];
            double[][] curve = new double[2][masked.length];
            for (int i = 0; i < masked.length; i++) {
                String row =
                        String.format(
                                Locale.ROOT,
                                "%d,%d,%d,%d,%d,%.2f,%.3f",
                                dim,
                                points,
                                masked[i],
                                ef,
                                k,
                                us[i],
                                us[i] / anchor);
                rows.add(row);
                System.out.println(row);
                curve[0][i] = masked[i];
                curve[1][i] = us[i] / anchor;
            }
            curves.put(dim + "-d", curve);
        }
        if (out != null) {
            Files.createDirectories(out);
            Files.write(out.resolve("masked-scan.csv"), rows);
            Plot.lines(
                    String.format(
                            Locale.ROOT,
                            "Shard search with unlinked points (%d linked, M %d, ef %d, k %d)",
                            points,
                            m,
                            ef,
                            k),
                    "unlinked points in the shard (scored exactly)",
                    "time per search / with none unlinked",
                    curves,
                    false,
                    out.resolve("masked-scan.png"));
        }
        return 0;
    }

    /**
     * A shard over {@code index} (shared: nothing is ever linked into it here) holding the base
     * points and {@code unlinked} more written on a link lane whose drains never run.
     */
    private LiveCollection shard(HnswIndex index, float[][] base, float[][] extra, int unlinked) {
        LiveCollection shard = new LiveCollection("bench", SPEC, ef, index);
        for (int i = 0; i < base.length; i++) {
            shard.putPoint("p" + i, base[i], null);
        }
        Executor never = task -> {};
        shard.linkOn(new LinkLanes(never, Math.max(1, unlinked), lag -> {}));
        for (int i = 0; i < unlinked; i++) {
            shard.upsert("u" + i, extra[i], null);
        }
        if (shard.unlinked() != unlinked) {
            throw new IllegalStateException(
                    shard.unlinked() + " unlinked points, expected " + unlinked);
        }
        return shard;
    }

    /** One pass over the queries: µs per search. */
    private double pass(LiveCollection shard, float[][] qs) {
        long found = 0;
        long t0 = System.nanoTime();
        for (float[] q : qs) {
            found += shard.search(q, k, ef, null).size();
        }
        double us = (System.nanoTime() - t0) / 1e3 / qs.length;
        if (found != (long) k * qs.length) {
            throw new IllegalStateException(found + " hits over " + qs.length + " searches");
        }
        return us;
    }

    private static float[][] gaussian(int n, int dim, Random random) {
        float[][] v = new float[n][dim];
        for (float[] row : v) {
            for (int j = 0; j < dim; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return v;
    }

    private static int indexOf(int[] values, int x) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == x) {
                return i;
            }
        }
        throw new IllegalArgumentException(x + " not in " + Arrays.toString(values));
    }
}
