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
 * The rate is base vectors over the time from the first send to the moment all were searchable.
 */
final class IngestRun {

    /** One timeline sample: seconds since the first send, acknowledged, searchable. */
    record Sample(double seconds, long acked, long searchable) {}

    record Result(
            String dataset,
            int n,
            double producedSeconds,
            double searchableSeconds,
            List<Sample> timeline) {

        double vectorsPerSecond() {
            return n / searchableSeconds;
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
                return new Result(data.name(), base.length, producedSeconds, s.seconds(), timeline);
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
