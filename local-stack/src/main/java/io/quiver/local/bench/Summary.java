package io.quiver.local.bench;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The run's figures as the markdown summary and as the one-line {@code key=value} summary. */
final class Summary {

    private final String mode;
    private final String machine;
    private final int m;
    private final int efConstruction;
    private final List<Report.CoreBuild> core;
    private final List<IngestRun.Result> ingests;
    private final Percentiles idle;
    private final Percentiles busy;
    private final Percentiles freshness;
    private final Percentiles answered;
    private final Percentiles polls;
    private final Percentiles checkpointMs;
    private final SustainedRun.Result sustained;
    private final String note;

    Summary(
            String mode,
            String machine,
            int m,
            int efConstruction,
            List<Report.CoreBuild> core,
            List<IngestRun.Result> ingests,
            double[] idleMs,
            SustainedRun.Result sustained,
            String note) {
        this.mode = mode;
        this.machine = machine;
        this.m = m;
        this.efConstruction = efConstruction;
        this.core = core;
        this.ingests = ingests;
        this.idle = new Percentiles(idleMs);
        this.busy = new Percentiles(sustained.searchMs());
        // A lost marker counts at the cut-off: leaving it out would flatter the percentiles.
        int found = sustained.probes().size();
        double[] fresh = new double[found + sustained.probesLost()];
        double[] answered = new double[fresh.length];
        Arrays.fill(fresh, FreshnessProber.LOST_AFTER_MS);
        Arrays.fill(answered, FreshnessProber.LOST_AFTER_MS);
        for (int i = 0; i < found; i++) {
            fresh[i] = sustained.probes().get(i).latencyMs();
            answered[i] = sustained.probes().get(i).answeredMs();
        }
        this.freshness = new Percentiles(fresh);
        this.answered = new Percentiles(answered);
        this.polls = new Percentiles(sustained.pollMs());
        double[] cp = new double[sustained.checkpoints().size()];
        for (int i = 0; i < cp.length; i++) {
            cp[i] = sustained.checkpoints().get(i).durationMs();
        }
        this.checkpointMs = new Percentiles(cp);
        this.sustained = sustained;
        this.note = note;
    }

    /** The figures of the last (generated) data set, which the sustained phase also used. */
    String line() {
        IngestRun.Result ingest = ingests.get(ingests.size() - 1);
        Report.CoreBuild build = core.get(core.size() - 1);
        return String.join(
                " ",
                "ingest_vps=" + Report.count(ingest.vectorsPerSecond()),
                "core_build_vps=" + Report.count(build.vectorsPerSecond()),
                "freshness_p50_ms=" + Report.ms(freshness.at(50)),
                "freshness_p99_ms=" + Report.ms(freshness.at(99)),
                "freshness_max_ms=" + Report.ms(freshness.max()),
                "search_p99_idle_ms=" + Report.ms(idle.at(99)),
                "search_p99_ingest_ms=" + Report.ms(busy.at(99)),
                "checkpoint_p99_ms=" + Report.ms(checkpointMs.at(99)));
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "## End-to-end benchmark (%s run)%n%n", mode));
        sb.append("Machine: ").append(machine).append(". ");
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Local stack (`scripts/quiver-local`: broker, Flink job with parallelism 2"
                                + " and 32 shards, query server, each its own JVM); collections"
                                + " HNSW M %d, efConstruction %d, L2.%n%n",
                        m,
                        efConstruction));
        sb.append(
                "| data set | vectors | ingest, vectors/s (send to all searchable; all linked into their graphs) |"
                        + " HNSW core build, vectors/s (same data, a graph per shard as in the job, same run) | ingest / core |\n");
        sb.append("|---|---|---|---|---|\n");
        for (int i = 0; i < ingests.size(); i++) {
            IngestRun.Result r = ingests.get(i);
            Report.CoreBuild c = core.get(i);
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %,d | %,.0f (produced in %.1f s, searchable after %.1f s);"
                                    + " %,.0f (linked after %.1f s) | %,.0f (%d threads, %.1f s) |"
                                    + " %.2f |%n",
                            r.dataset(),
                            r.n(),
                            r.vectorsPerSecond(),
                            r.producedSeconds(),
                            r.searchableSeconds(),
                            r.linkedVectorsPerSecond(),
                            r.linkedSeconds(),
                            c.vectorsPerSecond(),
                            c.threads(),
                            c.seconds(),
                            r.vectorsPerSecond() / c.vectorsPerSecond()));
        }
        if (!note.isEmpty()) {
            sb.append('\n').append(note).append('\n');
        }
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%nSustained ingest at %,.0f vectors/s (%.2f × the measured maximum linking"
                                + " rate), measured for %.0f s after %d s of the same load as a"
                                + " warm-up, %,d vectors; meanwhile %,d became searchable (%,.0f/s)."
                                + " Lost markers count as %.0f ms.%n%n",
                        sustained.rate(),
                        sustained.rate() / ingests.get(ingests.size() - 1).linkedVectorsPerSecond(),
                        sustained.seconds(),
                        sustained.warmUpSeconds(),
                        sustained.produced(),
                        sustained.applied(),
                        sustained.applied() / sustained.seconds(),
                        FreshnessProber.LOST_AFTER_MS));
        sb.append("| figure | p50 | p99 | max | samples |\n|---|---|---|---|---|\n");
        row(
                sb,
                "produce-to-searchable latency, ms: send to the start of the first search that"
                        + " finds it (goal p99 <= 100)",
                freshness);
        row(sb, "send to that search's answer, ms", answered);
        row(sb, "marker search latency (the probe's polls), ms", polls);
        row(sb, "search latency idle, ms (top-10, one client)", idle);
        row(
                sb,
                sustained.searchRate() > 0
                        // As given: "%.0f" would print a rate of 0.5 as 1.
                        ? "search latency during ingest, ms (one client, "
                                + BigDecimal.valueOf(sustained.searchRate())
                                        .stripTrailingZeros()
                                        .toPlainString()
                                + " searches/s at most)"
                        : "search latency during ingest, ms (one client, back to back)",
                busy);
        row(sb, "checkpoint duration, ms", checkpointMs);
        long maxSize = 0;
        long maxIncrement = 0;
        for (CheckpointStats.Checkpoint c : sustained.checkpoints()) {
            maxSize = Math.max(maxSize, c.stateSize());
            maxIncrement = Math.max(maxIncrement, c.checkpointedSize());
        }
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%nMarkers: %d sent every 10 ms, %d found, %d not searchable within 10 s;"
                                + " %d polls by %d threads side by side, %d of them partial (a"
                                + " shard did not answer in time)."
                                + " Checkpoints during the phase: full state up to %.1f MiB, up to"
                                + " %.1f MiB written per (incremental) checkpoint.%n",
                        sustained.probesSent(),
                        sustained.probes().size(),
                        sustained.probesLost(),
                        sustained.polls()[0],
                        SustainedRun.POLLERS,
                        sustained.polls()[1],
                        maxSize / 1048576.0,
                        maxIncrement / 1048576.0));
        if (!sustained.applyLag().isEmpty()) {
            double[] p50 = new double[sustained.applyLag().size()];
            double[] p99 = new double[p50.length];
            for (int i = 0; i < p50.length; i++) {
                p50[i] = sustained.applyLag().get(i)[0];
                p99[i] = sustained.applyLag().get(i)[1];
            }
            Arrays.sort(p50);
            Arrays.sort(p99);
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%nThe pipeline's share: the index operator's `applyLagMs` (Kafka record"
                                    + " timestamp to searchable in the shard, over each subtask's"
                                    + " last 2048 writes, worst subtask), read %d times during the"
                                    + " phase: median %s to %s ms, p99 %s to %s ms.%n",
                            p50.length,
                            Report.ms(p50[0]),
                            Report.ms(p50[p50.length - 1]),
                            Report.ms(p99[0]),
                            Report.ms(p99[p99.length - 1])));
            double linkP99 = 0;
            double unlinked = 0;
            for (double[] read : sustained.applyLag()) {
                linkP99 = Double.isNaN(read[2]) ? linkP99 : Math.max(linkP99, read[2]);
                unlinked = Double.isNaN(read[3]) ? unlinked : Math.max(unlinked, read[3]);
            }
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "Linking after that (`quiver.ingest.max-unlinked`): `unlinkedOps` up"
                                    + " to %.0f, `linkLagMs` p99 up to %s ms (worst subtask, same"
                                    + " reads).%n",
                            unlinked,
                            Report.ms(linkP99)));
        }
        sb.append("\n`").append(line()).append("`\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Percentiles p) {
        sb.append(
                String.format(
                        Locale.ROOT,
                        "| %s | %s | %s | %s | %d |%n",
                        name,
                        Report.ms(p.at(50)),
                        Report.ms(p.at(99)),
                        Report.ms(p.max()),
                        p.count()));
    }
}
