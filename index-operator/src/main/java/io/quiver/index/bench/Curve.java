package io.quiver.index.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One system's recall/QPS points, as CSV rows and for interpolation. */
final class Curve {

    static final String HEADER = "system,M,efc,build_threads,build_s,ef,k,recall,qps";

    final String system;
    final List<String> rows = new ArrayList<>();
    final List<double[]> points = new ArrayList<>(); // {recall, qps}
    double buildSeconds;

    Curve(String system) {
        this.system = system;
    }

    void add(int m, int efc, int threads, double buildS, int ef, int k, double recall, double qps) {
        buildSeconds = buildS;
        rows.add(
                String.format(
                        Locale.ROOT,
                        "%s,%d,%d,%d,%.2f,%d,%d,%.4f,%.1f",
                        system,
                        m,
                        efc,
                        threads,
                        buildS,
                        ef,
                        k,
                        recall,
                        qps));
        points.add(new double[] {recall, qps});
    }

    /** Parses a CSV row of the shared header (an anchor's output). */
    void addRow(String row) {
        String[] f = row.split(",");
        rows.add(row);
        buildSeconds = Double.parseDouble(f[4]);
        points.add(new double[] {Double.parseDouble(f[7]), Double.parseDouble(f[8])});
    }

    /**
     * QPS at the given recall, linearly interpolated between the two points around it on the curve
     * (points in ef order). NaN when the curve never reaches it; when even the fastest point beats
     * it, that point's QPS (a lower bound).
     */
    double qpsAt(double recall) {
        double best = Double.NaN;
        for (int i = 0; i < points.size(); i++) {
            double[] p = points.get(i);
            if (p[0] >= recall) {
                if (i == 0) {
                    return p[1];
                }
                double[] q = points.get(i - 1);
                if (q[0] >= recall) {
                    return p[1];
                }
                double t = (recall - q[0]) / (p[0] - q[0]);
                best = q[1] + t * (p[1] - q[1]);
                return best;
            }
        }
        return best;
    }
}
