package io.quiver.local.bench;

import io.quiver.local.client.QuiverHttp;
import io.quiver.local.client.UpsertProducer;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ingest at full speed: every base vector produced as fast as the broker takes them (the producer
 * blocks only on a full buffer), then the count of searchable points polled until all are there.
 * The rate is base vectors over the time from the first send to the moment all were searchable. A
 * point is searchable before it is linked into its shard's graph (by exact scan meanwhile, see
 * {@code quiver.ingest.max-unlinked}), so the run then polls the index operator's {@code
 * unlinkedOps} until no subtask has any left: the linking rate, which is what the index sustains.
 */
final class IngestRun {

    /** One timeline sample: seconds since the first send, acknowledged, searchable. */
    record Sample(double seconds, long acked, long searchable) {}

    record Result(
            String dataset,
            int n,
            double producedSeconds,
            double searchableSeconds,
            double linkedSeconds,
            List<Sample> timeline) {

        double vectorsPerSecond() {
            return n / searchableSeconds;
        }

        /** Base vectors over the time until all were linked into their graphs. */
        double linkedVectorsPerSecond() {
            return n / linkedSeconds;
        }
    }

    private static final long TIMEOUT_MS = 3_600_000;

    private IngestRun() {}

    static Result run(
            Dataset data,
            String collection,
            String idPrefix,
            QuiverHttp http,
            String bootstrapServers,
            String topicPrefix,
            CheckpointStats index,
            PrintStream log)
            throws Exception {
        float[][] base = data.base();
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Sample> timeline = new ArrayList<>();
        long t0;
        double producedSeconds;
        try (UpsertProducer producer = new UpsertProducer(bootstrapServers, topicPrefix, 5)) {
            // The first point, sent again below: connecting is not ingesting.
            producer.warmUp(collection, idPrefix + 0, base[0]);
            t0 = System.nanoTime();
            long lastSample = t0;
            for (int i = 0; i < base.length; i++) {
                producer.send(
                        collection,
                        idPrefix + i,
                        base[i],
                        null,
                        (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            }
                            acked.incrementAndGet();
                        });
                if (System.nanoTime() - lastSample > 1_000_000_000L) {
                    lastSample = System.nanoTime();
                    long searchable = Math.max(0, http.pointsCount(collection));
                    timeline.add(new Sample(seconds(t0), acked.get(), searchable));
                    progress(log, data.name(), timeline.get(timeline.size() - 1), base.length);
                }
            }
            producer.flush();
            producedSeconds = seconds(t0);
        }
        if (failure.get() != null) {
            throw new IOException("Kafka refused a record", failure.get());
        }
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        while (true) {
            long searchable = Math.max(0, http.pointsCount(collection));
            Sample s = new Sample(seconds(t0), acked.get(), searchable);
            timeline.add(s);
            if (searchable >= base.length) {
                log.printf(
                        Locale.ROOT,
                        "e2e: %s: %d vectors searchable after %.1f s (produced in %.1f s)%n",
                        data.name(),
                        base.length,
                        s.seconds(),
                        producedSeconds);
                double linked = untilLinked(index, t0, deadline);
                log.printf(
                        Locale.ROOT,
                        "e2e: %s: all linked into their graphs after %.1f s%n",
                        data.name(),
                        linked);
                return new Result(
                        data.name(), base.length, producedSeconds, s.seconds(), linked, timeline);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IOException(
                        data.name()
                                + ": only "
                                + searchable
                                + " of "
                                + base.length
                                + " searchable");
            }
            if (timeline.size() % 10 == 0) {
                progress(log, data.name(), s, base.length);
            }
            Thread.sleep(100);
        }
    }

    /**
     * Seconds since {@code t0} until no index subtask reports unlinked ops. Flink refreshes the
     * gauge about once a second ({@code metrics.fetcher.update-interval}), which bounds the error.
     * Its REST API answers from the metric store it refreshes after the request, so a first read is
     * dropped: it could hold the end of an earlier data set's ingest (0 unlinked). The refresh it
     * starts takes well under the 300 ms waited.
     */
    private static double untilLinked(CheckpointStats index, long t0, long deadline)
            throws Exception {
        index.indexMetricsMax("unlinkedOps");
        Thread.sleep(300);
        while (true) {
            double unlinked = index.indexMetricsMax("unlinkedOps")[0];
            if (unlinked == 0) {
                return seconds(t0);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IOException(
                        "written points still not linked into their graphs: " + unlinked);
            }
            Thread.sleep(200);
        }
    }

    private static void progress(PrintStream log, String name, Sample s, int n) {
        log.printf(
                Locale.ROOT,
                "e2e: %s: %6.1f s  acknowledged %d/%d  searchable %d%n",
                name,
                s.seconds(),
                s.acked(),
                n,
                s.searchable());
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
