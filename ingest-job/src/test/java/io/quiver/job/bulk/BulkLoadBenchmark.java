package io.quiver.job.bulk;

import io.quiver.index.Metric;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.UpsertCodec;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Bulk-load rate against the HNSW core's own parallel build ({@link HnswIndex#addAll}) on the same
 * vectors in the same run: the anchor is built before and after the bulk load (load drift on a
 * shared machine hits both), and the ratio is the bulk rate over the anchors' mean rate.
 *
 * <p>Arguments: {@code [vectors=100000] [dimension=32] [shards=8] [parallelism=2] [out dir]}. The
 * bulk load runs in a local Flink environment with RocksDB, from an {@code .fvecs} file to a
 * savepoint, and its time includes starting the job and writing the savepoint. CSV to stdout (and
 * {@code bulk_load.csv} in the out dir): {@code system,vectors,dim,threads,seconds,vectors_per_s}.
 * Run through {@code scripts/bench/bulk-load}; not part of the test suite.
 */
public final class BulkLoadBenchmark {

    private static final int M = 16;
    private static final int EF_CONSTRUCTION = 200;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int shards = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int parallelism = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Path out = Path.of(args.length > 4 ? args[4] : "target/bench-bulk-load");
        Files.createDirectories(out);
        int threads = Runtime.getRuntime().availableProcessors();

        float[][] vectors = new float[n][dim];
        Random random = new Random(42);
        for (float[] v : vectors) {
            for (int d = 0; d < dim; d++) {
                v[d] = (float) random.nextGaussian();
            }
        }
        Path file = out.resolve("base-" + n + "-" + dim + ".fvecs");
        writeFvecs(file, vectors);
        System.err.printf("bulk-load: %d x %d vectors in %s%n", n, dim, file);

        List<String> rows = new ArrayList<>();
        rows.add("system,vectors,dim,threads,seconds,vectors_per_s");
        double anchor1 = anchor(vectors, threads);
        rows.add(row("hnsw-addAll", n, dim, threads, anchor1));
        double bulk = bulkLoad(file, n, dim, shards, parallelism, out);
        rows.add(row("bulk-load", n, dim, threads, bulk));
        double anchor2 = anchor(vectors, threads);
        rows.add(row("hnsw-addAll", n, dim, threads, anchor2));

        PrintStream csv = new PrintStream(Files.newOutputStream(out.resolve("bulk_load.csv")));
        for (String r : rows) {
            System.out.println(r);
            csv.println(r);
        }
        csv.close();
        double anchorRate = n / ((anchor1 + anchor2) / 2);
        double bulkRate = n / bulk;
        System.err.printf(
                Locale.ROOT,
                "bulk-load: %.0f vectors/s; HnswIndex.addAll %.0f vectors/s (mean of %.1f s and"
                        + " %.1f s); ratio %.2f%n",
                bulkRate,
                anchorRate,
                anchor1,
                anchor2,
                bulkRate / anchorRate);
    }

    private static double anchor(float[][] vectors, int threads) {
        String[] ids = new String[vectors.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.toString(i);
        }
        long start = System.nanoTime();
        HnswIndex index =
                HnswIndex.builder(vectors[0].length, Metric.L2)
                        .m(M)
                        .efConstruction(EF_CONSTRUCTION)
                        .buildThreads(threads)
                        .build();
        index.addAll(vectors, ids);
        double s = (System.nanoTime() - start) / 1e9;
        System.err.printf(Locale.ROOT, "bulk-load: HnswIndex.addAll took %.1f s%n", s);
        return s;
    }

    private static double bulkLoad(Path file, int n, int dim, int shards, int parallelism, Path out)
            throws Exception {
        byte[] spec =
                CollectionSpecs.encode(
                        CollectionSpecs.fromJson(
                                "bench",
                                UpsertCodec.mapper()
                                        .readTree(
                                                "{\"dimension\": "
                                                        + dim
                                                        + ", \"metric\": \"l2\", \"index\":"
                                                        + " {\"m\": "
                                                        + M
                                                        + ", \"ef_construction\": "
                                                        + EF_CONSTRUCTION
                                                        + "}}")));
        Path savepoint = out.resolve("savepoint-" + System.currentTimeMillis());
        BulkLoadOptions options =
                BulkLoadOptions.builder()
                        .bootstrapServers("unused:9092")
                        .collection("bench")
                        .files(List.of(file.toUri().toString()))
                        .shards(shards)
                        .parallelism(parallelism)
                        .savepointPath(savepoint.toUri().toString())
                        .build();
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        long start = System.nanoTime();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        BulkLoad.build(env, options, spec).write(options.savepointPath());
        env.execute("bulk-load-benchmark");
        double s = (System.nanoTime() - start) / 1e9;
        System.err.printf(Locale.ROOT, "bulk-load: bulk load took %.1f s%n", s);
        return s;
    }

    private static String row(String system, int n, int dim, int threads, double seconds) {
        return String.format(
                Locale.ROOT,
                "%s,%d,%d,%d,%.2f,%.0f",
                system,
                n,
                dim,
                threads,
                seconds,
                n / seconds);
    }

    private static void writeFvecs(Path file, float[][] vectors) throws Exception {
        try (OutputStream raw = Files.newOutputStream(file);
                DataOutputStream o = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
            for (float[] v : vectors) {
                o.writeInt(Integer.reverseBytes(v.length));
                for (float f : v) {
                    o.writeInt(Integer.reverseBytes(Float.floatToIntBits(f)));
                }
            }
        }
    }
}
