package io.quiver.local.bench;

import io.quiver.index.bench.Plot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes a run's CSV files, PNG plots and markdown summary, and formats the summary line. */
final class Report {

    /** The core's build of one data set: vectors, build threads, seconds. */
    record CoreBuild(String dataset, int n, int threads, double seconds) {
        double vectorsPerSecond() {
            return n / seconds;
        }
    }

    private final Path out;

    Report(Path out) {
        this.out = out;
    }

    void ingest(IngestRun.Result r) throws IOException {
        List<String> rows = new ArrayList<>(List.of("seconds,acknowledged,searchable"));
        int n = r.timeline().size();
        double[][] acked = new double[2][n];
        double[][] searchable = new double[2][n];
        for (int i = 0; i < n; i++) {
            IngestRun.Sample s = r.timeline().get(i);
            rows.add(
                    String.format(
                            Locale.ROOT, "%.3f,%d,%d", s.seconds(), s.acked(), s.searchable()));
            acked[0][i] = searchable[0][i] = s.seconds();
            acked[1][i] = s.acked();
            searchable[1][i] = s.searchable();
        }
        write("ingest-" + r.dataset() + ".csv", rows);
        Map<String, double[][]> series = new LinkedHashMap<>();
        series.put("acknowledged by Kafka", acked);
        series.put("searchable", searchable);
        Plot.lines(
                "Ingest at full speed: " + r.dataset(),
                "seconds since the first send",
                "vectors",
                series,
                false,
                out.resolve("ingest-" + r.dataset() + ".png"));
    }

    void sustained(SustainedRun.Result r, double[] idleMs) throws IOException {
        List<String> rows =
                new ArrayList<>(List.of("marker,sent_s,latency_ms,answered_ms,sent_epoch_ms"));
        int n = r.probes().size();
        double[][] fresh = new double[2][n];
        double[][] answered = new double[2][n];
        for (int i = 0; i < n; i++) {
            FreshnessProber.Probe p = r.probes().get(i);
            rows.add(
                    String.format(
                            Locale.ROOT,
                            "%s,%.3f,%.2f,%.2f,%d",
                            p.id(),
                            p.sentSeconds(),
                            p.latencyMs(),
                            p.answeredMs(),
                            p.sentEpochMs()));
            fresh[0][i] = p.sentSeconds();
            fresh[1][i] = p.latencyMs();
            answered[0][i] = p.sentSeconds();
            answered[1][i] = p.answeredMs();
        }
        Map<String, double[][]> freshness = new LinkedHashMap<>();
        freshness.put("to the search that found it", fresh);
        freshness.put("to that search's answer", answered);
        write("freshness.csv", rows);
        Plot.lines(
                String.format(
                        Locale.ROOT,
                        "Produce-to-searchable latency, ingest at %.0f vectors/s",
                        r.rate()),
                "seconds into the sustained phase (marker sent)",
                "ms",
                freshness,
                false,
                out.resolve("freshness.png"));

        List<String> lat = new ArrayList<>(List.of("phase,latency_ms"));
        for (double v : idleMs) {
            lat.add(String.format(Locale.ROOT, "idle,%.3f", v));
        }
        for (double v : r.searchMs()) {
            lat.add(String.format(Locale.ROOT, "ingest,%.3f", v));
        }
        write("search-latency.csv", lat);
        Map<String, double[][]> curves = new LinkedHashMap<>();
        curves.put("idle", percentileCurve(idleMs));
        curves.put("during ingest", percentileCurve(r.searchMs()));
        Plot.lines(
                "Search latency (top-10, one client)",
                "percentile",
                "ms",
                curves,
                false,
                out.resolve("search-latency.png"));

        List<String> cps =
                new ArrayList<>(List.of("id,trigger_ms,duration_ms,state_size,checkpointed_size"));
        double[][] cpSeries = new double[2][r.checkpoints().size()];
        for (int i = 0; i < r.checkpoints().size(); i++) {
            CheckpointStats.Checkpoint c = r.checkpoints().get(i);
            cps.add(
                    c.id()
                            + ","
                            + c.triggerMs()
                            + ","
                            + c.durationMs()
                            + ","
                            + c.stateSize()
                            + ","
                            + c.checkpointedSize());
            cpSeries[0][i] = c.id();
            cpSeries[1][i] = c.durationMs();
        }
        write("checkpoints.csv", cps);
        Plot.lines(
                "Checkpoint duration during sustained ingest",
                "checkpoint id",
                "ms",
                Map.of("end-to-end duration", cpSeries),
                false,
                out.resolve("checkpoints.png"));
    }

    void write(String name, List<String> lines) throws IOException {
        Files.write(out.resolve(name), lines, StandardCharsets.UTF_8);
    }

    /** x = percentile 1..100, y = latency at it. */
    private static double[][] percentileCurve(double[] ms) {
        Percentiles p = new Percentiles(ms);
        if (p.count() == 0) {
            return new double[2][0];
        }
        double[][] xy = new double[2][100];
        for (int i = 0; i < 100; i++) {
            xy[0][i] = i + 1;
            xy[1][i] = p.at(i + 1);
        }
        return xy;
    }

    /** A short description of this machine for the summary. */
    static String machine() {
        String cpu = "unknown CPU";
        long memKb = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: the summary names what it can.
        }
        String load = "";
        try {
            load =
                    ", load average at start "
                            + Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            // as above
        }
        return String.format(
                Locale.ROOT,
                "%d vCPU %s, %.0f GiB, Java %s%s",
                Runtime.getRuntime().availableProcessors(),
                cpu,
                memKb / 1024.0 / 1024.0,
                System.getProperty("java.version"),
                load);
    }

    static String ms(double v) {
        return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, "%.1f", v);
    }

    static String count(double v) {
        return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, "%.0f", v);
    }
}
