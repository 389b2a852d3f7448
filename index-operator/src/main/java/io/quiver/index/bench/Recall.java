package io.quiver.index.bench;

import java.util.Arrays;

/** Recall@k against ground truth, and the median used for every timing. */
final class Recall {

    private Recall() {}

    static double of(int[][] found, int[][] truth, int k) {
        long hits = 0;
        for (int i = 0; i < found.length; i++) {
            int[] t = truth[i];
            for (int j = 0; j < k; j++) {
                int f = found[i][j];
                for (int x = 0; x < k; x++) {
                    if (t[x] == f) {
                        hits++;
                        break;
                    }
                }
            }
        }
        return (double) hits / ((long) found.length * k);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
