package io.quiver.local.bench;

import io.quiver.local.client.QuiverHttp;
import io.quiver.local.client.UpsertProducer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Sustained ingest at a fixed rate (a share of the measured maximum linking rate) with, at the same
 * time, the freshness prober (a marker every 10 ms), a search-latency client and the checkpoint
 * statistics. The load runs {@code warmUpSeconds} unmeasured first: four JVMs started a minute or
 * two before still spend a large share of both cores compiling (JIT) for a minute or two after the
 * load changes, and the figures are meant for a stack in its steady state. The measured window then
 * runs {@code seconds}, and longer until {@code minCheckpoints} checkpoints triggered during it
 * have completed (at most {@code seconds} more), so that checkpoint cost is measured under this
 * load.
 */
final class SustainedRun {

    record Result(
            double rate,
            double searchRate,
            int warmUpSeconds,
            double seconds,
            long produced,
            long applied,
            List<FreshnessProber.Probe> probes,
            int probesSent,
            int probesLost,
            long[] polls,
            double[] pollMs,
            double[] searchMs,
            List<CheckpointStats.Checkpoint> checkpoints,
            List<double[]> applyLag) {}

    private static final long MARKER_PERIOD_MS = 10;

    /** The index operator's metrics read during the window, in {@link Result#applyLag}'s order. */
    private static final String[] APPLY_LAG_METRICS = {
        "applyLagMs_median", "applyLagMs_p99", "linkLagMs_p99", "unlinkedOps"
    };

    /** Writes the index operator's apply-lag histogram holds per subtask (its window). */
    private static final int APPLY_LAG_WINDOW = 2048;

    /** Between two polls of one prober thread. */
    private static final long POLL_PAUSE_MS = 5;

    /**
     * Prober threads polling side by side: a search takes tens of ms under load, so one thread
     * would leave that much between two looks; each search is cheap (a flat index of markers).
     */
    static final int POLLERS = 2;

    private SustainedRun() {}

    static Result run(
            Dataset data,
            String collection,
            String markerCollection,
            double rate,
            double searchRate,
            int warmUpSeconds,
            int seconds,
            int minCheckpoints,
            LocalStack stack,
            CheckpointStats checkpoints,
            String topicPrefix,
            PrintStream log)
            throws Exception {
        QuiverHttp http = stack.http();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong produced = new AtomicLong();
        List<double[]> applyLag = new ArrayList<>();
        long searchableAtStart = Math.max(0, http.pointsCount(collection));
        long start = System.nanoTime();
        // The measured window: figures count from here.
        long measured = start + warmUpSeconds * 1_000_000_000L;
        long measuredMs = System.currentTimeMillis() + warmUpSeconds * 1000L;
        // The histogram is first read once the window's writes have filled every subtask's
        // histogram one and a half times over (5 s at least): before, it still holds earlier
        // writes, whose lag ran to minutes after a full run's ingest.
        long applyLagFrom =
                measured
                        + Math.max(
                                5_000_000_000L,
                                (long) (1.5e9 * APPLY_LAG_WINDOW * LocalStack.PARALLELISM / rate));
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        var workers = Executors.newFixedThreadPool(2 + POLLERS);
        try (UpsertProducer producer =
                        new UpsertProducer(stack.bootstrapServers(), topicPrefix, 5);
                FreshnessProber prober =
                        new FreshnessProber(
                                stack.bootstrapServers(),
                                topicPrefix,
                                http,
                                markerCollection,
                                measured)) {
            Future<?> ingest =
                    workers.submit(
                            () -> {
                                paced(producer, data, collection, rate, start, stop, produced);
                                return null;
                            });
            Future<double[]> searches =
                    workers.submit(
                            () ->
                                    SearchLatency.measure(
                                            http,
                                            collection,
                                            data.queries(),
                                            () -> !stop.get(),
                                            measured,
                                            searchRate > 0 ? (long) (1e9 / searchRate) : 0));
            List<Future<?>> pollers = new ArrayList<>();
            for (int p = 0; p < POLLERS; p++) {
                pollers.add(
                        workers.submit(
                                () -> {
                                    while (!stop.get() || prober.hasPending()) {
                                        prober.pollOnce();
                                        Thread.sleep(POLL_PAUSE_MS);
                                    }
                                    return null;
                                }));
            }
            scheduler.scheduleAtFixedRate(
                    prober::sendNext, 0, MARKER_PERIOD_MS, TimeUnit.MILLISECONDS);

            long deadline = measured + seconds * 1_000_000_000L;
            long hardDeadline = deadline + seconds * 1_000_000_000L;
            long producedAtWindow = warmUpSeconds == 0 ? 0 : -1;
            long searchableAtWindow = warmUpSeconds == 0 ? searchableAtStart : -1;
            while (true) {
                long beforeWindow = measured - System.nanoTime();
                Thread.sleep(
                        searchableAtWindow < 0 && beforeWindow > 0
                                ? Math.max(1, Math.min(2000, beforeWindow / 1_000_000))
                                : 2000);
                stack.checkAlive();
                checkpoints.poll();
                if (searchableAtWindow < 0 && System.nanoTime() >= measured) {
                    producedAtWindow = produced.get();
                    searchableAtWindow = Math.max(0, http.pointsCount(collection));
                    // Flink's REST API answers from its metric store and refreshes it after the
                    // request: the first read would give the values fetched when metrics were
                    // last asked for (the ingest phase's backlog), so it is made here and dropped.
                    checkpoints.indexMetricsMax(APPLY_LAG_METRICS);
                }
                if (System.nanoTime() >= applyLagFrom) {
                    double[] lag = checkpoints.indexMetricsMax(APPLY_LAG_METRICS);
                    if (!Double.isNaN(lag[0]) && !Double.isNaN(lag[1])) {
                        applyLag.add(lag);
                    }
                }
                int done = checkpoints.triggeredSince(measuredMs).size();
                double elapsed = (System.nanoTime() - start) / 1e9;
                log.printf(
                        Locale.ROOT,
                        "e2e: sustained %5.1f s%s  produced %d (%.0f/s)  searchable %d"
                                + "  markers found %d/%d  checkpoints %d%n",
                        elapsed,
                        System.nanoTime() < measured ? " (warm-up)" : "",
                        produced.get(),
                        produced.get() / elapsed,
                        http.pointsCount(collection),
                        prober.found().size(),
                        prober.sent(),
                        done);
                List<Future<?>> running = new ArrayList<>(pollers);
                running.add(ingest);
                running.add(searches);
                for (Future<?> f : running) {
                    if (f.isDone()) {
                        f.get(); // a worker that ended early failed: report why
                    }
                }
                long now = System.nanoTime();
                if (now >= hardDeadline || (now >= deadline && done >= minCheckpoints)) {
                    break;
                }
            }
            scheduler.shutdownNow();
            double elapsed = (System.nanoTime() - measured) / 1e9;
            stop.set(true);
            ingest.get();
            double[] searchMs = searches.get();
            for (Future<?> f : pollers) {
                f.get(30, TimeUnit.SECONDS);
            }
            checkpoints.poll();
            long applied = Math.max(0, http.pointsCount(collection)) - searchableAtWindow;
            return new Result(
                    rate,
                    searchRate,
                    warmUpSeconds,
                    elapsed,
                    produced.get() - producedAtWindow,
                    applied,
                    prober.found(),
                    prober.sent(),
                    prober.lost(),
                    prober.polls(),
                    prober.pollMillis(),
                    searchMs,
                    checkpoints.triggeredSince(measuredMs),
                    applyLag);
        } finally {
            stop.set(true);
            scheduler.shutdownNow();
            workers.shutdownNow();
        }
    }

    /** Produces new points at {@code rate} per second until {@code stop}. */
    private static void paced(
            UpsertProducer producer,
            Dataset data,
            String collection,
            double rate,
            long start,
            AtomicBoolean stop,
            AtomicLong produced) {
        float[][] more = data.more();
        for (long i = 0; !stop.get(); i++) {
            long due = start + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 200_000) {
                LockSupport.parkNanos(wait);
            }
            producer.send(collection, "s" + i, more[(int) (i % more.length)], null, null);
            produced.incrementAndGet();
        }
        producer.flush();
    }
}
