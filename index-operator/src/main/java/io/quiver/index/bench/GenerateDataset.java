package io.quiver.index.bench;

import io.quiver.index.Metric;
import io.quiver.index.vector.VectorKernels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A seeded synthetic data set for scale runs: a Gaussian mixture (clusters of different spread
 * around random centres, closer to real embeddings than a uniform cube), queries drawn the same
 * way, and exact top-100 ground truth by brute force on all cores. Writes {@code
 * synthetic-N-D.{base,query}.fvecs} and {@code .groundtruth.ivecs}.
 */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Writes a seeded synthetic fvecs data set with exact ground truth.")
public final class GenerateDataset implements Callable<Integer> {

    @Option(names = "--out", required = true)
    Path out;

    @Option(names = "--n", defaultValue = "1000000")
    int n;

    @Option(names = "--dim", defaultValue = "128")
    int dim;

    @Option(names = "--queries", defaultValue = "1000")
    int queries;

    @Option(names = "--clusters", defaultValue = "1000")
    int clusters;

    @Option(names = "--seed", defaultValue = "42")
    long seed;

    @Option(names = "--metric", defaultValue = "l2")
    String metric;

    @Option(names = "--truth", defaultValue = "100", description = "neighbours per query")
    int truthK;

    public static void main(String[] args) {
        System.exit(new CommandLine(new GenerateDataset()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Metric m = Metric.parse(metric);
        SplittableRandom random = new SplittableRandom(seed);
        float[][] centres = new float[clusters][dim];
        float[] spread = new float[clusters];
        for (int c = 0; c < clusters; c++) {
            for (int j = 0; j < dim; j++) {
                centres[c][j] = (float) (random.nextGaussian());
            }
            spread[c] = (float) (0.2 + 0.4 * random.nextDouble());
        }
        float[][] base = draw(n, centres, spread, random);
        float[][] query = draw(queries, centres, spread, random);
        String stem = "synthetic-" + n + "-" + dim;
        Files.createDirectories(out);
        VecFiles.writeFvecs(out.resolve(stem + ".base.fvecs"), base);
        VecFiles.writeFvecs(out.resolve(stem + ".query.fvecs"), query);
        System.err.printf(
                "wrote %d base and %d queries; computing exact top-%d%n", n, queries, truthK);
        int[][] truth = groundTruth(base, query, m);
        VecFiles.writeIvecs(out.resolve(stem + ".groundtruth.ivecs"), truth);
        System.err.println("wrote " + out.resolve(stem + ".groundtruth.ivecs"));
        return 0;
    }

    private float[][] draw(int count, float[][] centres, float[] spread, SplittableRandom random) {
        float[][] v = new float[count][dim];
        for (int i = 0; i < count; i++) {
            int c = random.nextInt(centres.length);
            for (int j = 0; j < dim; j++) {
                v[i][j] = centres[c][j] + spread[c] * (float) random.nextGaussian();
            }
        }
        return v;
    }

    private int[][] groundTruth(float[][] base, float[][] query, Metric m)
            throws InterruptedException {
        VectorKernels kernels = VectorKernels.get();
        int[][] truth = new int[query.length][];
        float[][] b = m == Metric.COSINE ? normalized(base) : base;
        float[][] q = m == Metric.COSINE ? normalized(query) : query;
        AtomicInteger next = new AtomicInteger();
        Thread[] workers = new Thread[Runtime.getRuntime().availableProcessors()];
        for (int t = 0; t < workers.length; t++) {
            workers[t] =
                    new Thread(
                            () -> {
                                for (int i = next.getAndIncrement();
                                        i < q.length;
                                        i = next.getAndIncrement()) {
                                    truth[i] = topK(b, q[i], m, kernels);
                                }
                            });
            workers[t].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        return truth;
    }

    private int[] topK(float[][] base, float[] q, Metric m, VectorKernels kernels) {
        int k = Math.min(truthK, base.length);
        // Bounded max-heap on (distance, id).
        float[] hd = new float[k];
        int[] hi = new int[k];
        int size = 0;
        for (int i = 0; i < base.length; i++) {
            float d =
                    m == Metric.L2
                            ? kernels.squareDistance(q, 0, base[i], 0, dim)
                            : -kernels.dot(q, 0, base[i], 0, dim);
            if (size < k) {
                int at = size++;
                while (at > 0 && hd[(at - 1) / 2] < d) {
                    hd[at] = hd[(at - 1) / 2];
                    hi[at] = hi[(at - 1) / 2];
                    at = (at - 1) / 2;
                }
                hd[at] = d;
                hi[at] = i;
            } else if (d < hd[0]) {
                int at = 0;
                while (true) {
                    int child = 2 * at + 1;
                    if (child >= k) {
                        break;
                    }
                    if (child + 1 < k && hd[child + 1] > hd[child]) {
                        child++;
                    }
                    if (hd[child] <= d) {
                        break;
                    }
                    hd[at] = hd[child];
                    hi[at] = hi[child];
                    at = child;
                }
                hd[at] = d;
                hi[at] = i;
            }
        }
        // Sort ascending by distance.
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Float.compare(hd[x], hd[y]));
        int[] ids = new int[size];
        for (int i = 0; i < size; i++) {
            ids[i] = hi[order[i]];
        }
        return ids;
    }

    private static float[][] normalized(float[][] v) {
        float[][] out = new float[v.length][];
        for (int i = 0; i < v.length; i++) {
            double norm = 0;
            for (float x : v[i]) {
                norm += x * x;
            }
            float inv = (float) (1 / Math.sqrt(norm));
            out[i] = new float[v[i].length];
            for (int j = 0; j < v[i].length; j++) {
                out[i][j] = v[i][j] * inv;
            }
        }
        return out;
    }
}
