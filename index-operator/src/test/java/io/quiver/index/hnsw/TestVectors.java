package io.quiver.index.hnsw;

import io.quiver.index.Metric;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded clustered vectors and brute-force neighbours for index tests. */
final class TestVectors {

    private TestVectors() {}

    /** Rescoring from {@code base}, for an index whose internal ids are the indexes into it. */
    static VectorSource source(float[][] base) {
        return (node, id, dst) -> {
            System.arraycopy(base[node], 0, dst, 0, base[node].length);
            return true;
        };
    }

    /** Rescoring from {@code base} for string ids {@code prefix + i}. */
    static VectorSource source(float[][] base, String prefix) {
        return (node, id, dst) -> {
            if (id == null || !id.startsWith(prefix)) {
                return false;
            }
            float[] v = base[Integer.parseInt(id.substring(prefix.length()))];
            System.arraycopy(v, 0, dst, 0, v.length);
            return true;
        };
    }

    /** {@code n} vectors around {@code clusters} Gaussian centres. */
    static float[][] clustered(long seed, int n, int dim, int clusters) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] centres = new float[clusters][dim];
        for (float[] c : centres) {
            for (int j = 0; j < dim; j++) {
                c[j] = (float) random.nextGaussian();
            }
        }
        float[][] v = new float[n][dim];
        for (int i = 0; i < n; i++) {
            float[] c = centres[random.nextInt(clusters)];
            for (int j = 0; j < dim; j++) {
                v[i][j] = c[j] + 0.5f * (float) random.nextGaussian();
            }
        }
        return v;
    }

    static float distance(Metric metric, float[] a, float[] b) {
        double dot = 0;
        double l2 = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            l2 += (a[i] - b[i]) * (a[i] - b[i]);
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        switch (metric) {
            case L2:
                return (float) l2;
            case COSINE:
                return (float) (1 - dot / Math.sqrt(na * nb));
            default:
                return (float) -dot;
        }
    }

    /** Indexes of the k nearest of {@code live} base vectors (all when live is null). */
    static int[] bruteForce(Metric metric, float[][] base, boolean[] live, float[] q, int k) {
        Integer[] order = new Integer[base.length];
        float[] d = new float[base.length];
        int n = 0;
        for (int i = 0; i < base.length; i++) {
            if (live == null || live[i]) {
                d[i] = distance(metric, q, base[i]);
                order[n++] = i;
            }
        }
        Arrays.sort(order, 0, n, (x, y) -> Float.compare(d[x], d[y]));
        int[] top = new int[Math.min(k, n)];
        for (int i = 0; i < top.length; i++) {
            top[i] = order[i];
        }
        return top;
    }

    static int overlap(int[] truth, int[] found, int foundCount) {
        int hits = 0;
        for (int t : truth) {
            for (int j = 0; j < foundCount; j++) {
                if (found[j] == t) {
                    hits++;
                    break;
                }
            }
        }
        return hits;
    }
}
