package io.quiver.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The suite's figures: one summary line, CSV files and a PNG plot in the output directory. */
final class Report {

    private final Map<String, String> figures = new LinkedHashMap<>();
    private final List<double[]> recoveries = new ArrayList<>();

    void put(String key, Object value) {
        figures.put(
                key,
                value instanceof Double d
                        ? String.format(Locale.ROOT, "%.2f", d)
                        : String.valueOf(value));
    }

    long getLong(String key) {
        return Long.parseLong(figures.getOrDefault(key, "0"));
    }

    /** One kill: its number, TaskManager, recovery seconds and the searches during the outage. */
    void recovery(int kill, int tm, double seconds, SearchProbe.Counts during) {
        recoveries.add(
                new double[] {
                    kill,
                    tm,
                    seconds,
                    during.searches(),
                    during.partial(),
                    during.server5xx(),
                    during.noShardAnswered(),
                    during.noAnswer()
                });
    }

    String summaryLine() {
        StringBuilder b = new StringBuilder();
        figures.forEach(
                (k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.toString();
    }

    void write(Path out, LoadTest.Result load) throws IOException {
        Files.createDirectories(out);
        StringBuilder csv =
                new StringBuilder(
                        "kill,taskmanager,recovery_s,searches,partial,http_5xx,http_503_no_shard,no_answer\n");
        for (double[] r : recoveries) {
            csv.append(
                    String.format(
                            Locale.ROOT,
                            "%d,%d,%.2f,%d,%d,%d,%d,%d%n",
                            (long) r[0],
                            (long) r[1],
                            r[2],
                            (long) r[3],
                            (long) r[4],
                            (long) r[5],
                            (long) r[6],
                            (long) r[7]));
        }
        Files.writeString(out.resolve("recovery.csv"), csv);
        Files.writeString(out.resolve("summary.txt"), summaryLine() + "\n");
        if (load == null) {
            return;
        }
        StringBuilder pct = new StringBuilder("percentile,latency_ms\n");
        for (double p : new double[] {50, 90, 95, 99, 99.9, 100}) {
            pct.append(String.format(Locale.ROOT, "%s,%.3f%n", p, load.percentileMs(p)));
        }
        Files.writeString(out.resolve("load-percentiles.csv"), pct);
        StringBuilder sec = new StringBuilder("second,p50_ms,p99_ms,requests\n");
        for (double[] s : load.perSecond()) {
            sec.append(
                    String.format(
                            Locale.ROOT,
                            "%d,%.3f,%.3f,%d%n",
                            (long) s[0],
                            s[1],
                            s[2],
                            (long) s[3]));
        }
        Files.writeString(out.resolve("load-per-second.csv"), sec);
        plot(out.resolve("chaos.png"), load);
    }

    private void plot(Path png, LoadTest.Result load) throws IOException {
        XYChart chart =
                new XYChartBuilder()
                        .width(900)
                        .height(500)
                        .title("Search latency under load, per second")
                        .xAxisTitle("second of the load run")
                        .yAxisTitle("latency (ms)")
                        .build();
        List<Double> x = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (double[] s : load.perSecond()) {
            if (!Double.isNaN(s[1])) {
                x.add(s[0]);
                p50.add(s[1]);
                p99.add(s[2]);
            }
        }
        if (x.isEmpty()) {
            return;
        }
        chart.addSeries("p50", x, p50).setMarker(SeriesMarkers.CIRCLE);
        chart.addSeries("p99", x, p99).setMarker(SeriesMarkers.DIAMOND);
        StringBuilder legend = new StringBuilder("recovery per kill (s):");
        for (double[] r : recoveries) {
            legend.append(String.format(Locale.ROOT, " %.1f", r[2]));
        }
        chart.setTitle(chart.getTitle() + " — " + legend);
        String file = png.toString();
        BitmapEncoder.saveBitmap(
                chart, file.substring(0, file.length() - 4), BitmapEncoder.BitmapFormat.PNG);
    }
}
