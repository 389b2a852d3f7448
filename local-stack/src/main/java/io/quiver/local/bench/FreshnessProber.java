package io.quiver.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.local.client.QuiverHttp;
import io.quiver.local.client.UpsertProducer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Produce-to-searchable latency: {@link #sendNext} produces marker {@code i} (its own producer, no
 * linger, so it never waits behind the bulk load's batches) and {@link #pollOnce} looks for every
 * marker not yet seen with one {@code eventual} search; several threads may poll at once, which
 * shortens the gap between two searches. The latency runs from just before {@code send()} to the
 * start of the first search that finds the marker: an upper bound of the moment a search began to
 * find it, without that search's own time (search latency, measured apart). The arrival of that
 * search's answer is kept too ({@link Probe#answeredMs}). A marker found by a search that started
 * before it was sent counts until the answer.
 *
 * <p>Markers sent before {@code phaseStart} (a warm-up) are searched for like the others but left
 * out of every figure.
 *
 * <p>Markers live in a small collection of their own ({@link #SPEC}) on the same topic, partitions
 * and shards as the load, so they queue behind it exactly as its records do; marker {@code i} is
 * the vector {@code (i, 0, 0, 0)}, so one search near the newest marker, with a limit covering all
 * pending ones, finds every pending marker that is searchable. Polling one search at a time keeps
 * the prober's own load small and independent of how many markers are pending. A step in the second
 * component (which moves every distance alike) keeps the 1 s result cache from answering a poll:
 * the figure is the pipeline's, not the cache's.
 */
final class FreshnessProber implements AutoCloseable {

    /** The markers' collection spec. */
    static final String SPEC =
            "{\"dimension\": 4, \"metric\": \"l2\", \"index\": {\"type\": \"flat\"}}";

    /**
     * One marker's outcome: when it was sent (s since the phase began), its latency in ms (to the
     * start of the first search that found it) and the ms until that search answered; {@code
     * sentEpochMs} is the send's wall-clock time, to line it up with GC logs and checkpoints.
     */
    record Probe(
            String id, double sentSeconds, double latencyMs, double answeredMs, long sentEpochMs) {}

    /** The search limit's maximum (docs/limits.md): how far back one poll can look. */
    private static final int MAX_WINDOW = 1000;

    /** A marker not searchable this long after its send counts as lost, at this latency. */
    static final double LOST_AFTER_MS = 10_000;

    private static final long LOST_AFTER_NS = (long) (LOST_AFTER_MS * 1e6);

    private final UpsertProducer producer;
    private final QuiverHttp http;
    private final String collection;
    private final long phaseStart;
    private final long phaseStartEpochMs;
    private final List<Long> sentNanos = new ArrayList<>();
    private final Set<Integer> pending = new HashSet<>();
    private final List<Probe> found = new ArrayList<>();
    private final List<Double> pollMs = new ArrayList<>();
    private int lost;
    private long polls;
    private long partialPolls;

    FreshnessProber(
            String bootstrapServers,
            String topicPrefix,
            QuiverHttp http,
            String collection,
            long phaseStart)
            throws Exception {
        this.producer = new UpsertProducer(bootstrapServers, topicPrefix, 0);
        this.http = http;
        this.collection = collection;
        this.phaseStart = phaseStart;
        this.phaseStartEpochMs =
                System.currentTimeMillis() - (System.nanoTime() - phaseStart) / 1_000_000;
        producer.warmUp(collection, "warm-up", new float[] {-1_000_000, 0, 0, 0});
    }

    /** Produces the next marker; called every 10 ms by a scheduler. */
    void sendNext() {
        int i;
        synchronized (this) {
            i = sentNanos.size();
            sentNanos.add(System.nanoTime());
            pending.add(i);
        }
        producer.send(collection, id(i), new float[] {i, 0, 0, 0}, null, null);
    }

    private static String id(int i) {
        return "marker-" + i;
    }

    /** One search for the pending markers; false when none was pending. */
    boolean pollOnce() throws IOException {
        int newest;
        int oldest = Integer.MAX_VALUE;
        synchronized (this) {
            if (pending.isEmpty()) {
                return false;
            }
            newest = sentNanos.size() - 1;
            for (int i : pending) {
                oldest = Math.min(oldest, i);
            }
        }
        int window = Math.min(MAX_WINDOW, newest - oldest + 1);
        float step;
        synchronized (this) {
            step = (polls++ % 1000) * 1e-3f;
        }
        long start = System.nanoTime();
        JsonNode answer =
                http.search(
                        collection,
                        QuiverHttp.searchBody(new float[] {newest, step, 0, 0}, window));
        JsonNode hits = answer.path("result");
        long now = System.nanoTime();
        synchronized (this) {
            if (start - phaseStart >= 0) {
                pollMs.add((now - start) / 1e6);
            }
            partialPolls += answer.path("partial").asBoolean(false) ? 1 : 0;
            for (JsonNode h : hits) {
                String id = h.path("id").asText();
                if (!id.startsWith("marker-")) {
                    continue;
                }
                int i = Integer.parseInt(id.substring("marker-".length()));
                if (pending.remove(i) && sentNanos.get(i) - phaseStart >= 0) {
                    long sent = sentNanos.get(i);
                    long searchable = start >= sent ? start : now;
                    found.add(
                            new Probe(
                                    id,
                                    (sent - phaseStart) / 1e9,
                                    (searchable - sent) / 1e6,
                                    (now - sent) / 1e6,
                                    phaseStartEpochMs + (sent - phaseStart) / 1_000_000));
                }
            }
            pending.removeIf(
                    i -> {
                        boolean gone = now - sentNanos.get(i) > LOST_AFTER_NS;
                        lost += gone && sentNanos.get(i) - phaseStart >= 0 ? 1 : 0;
                        return gone;
                    });
        }
        return true;
    }

    synchronized boolean hasPending() {
        return !pending.isEmpty();
    }

    synchronized List<Probe> found() {
        List<Probe> out = new ArrayList<>(found);
        out.sort((a, b) -> Double.compare(a.sentSeconds(), b.sentSeconds()));
        return out;
    }

    /** Markers not searchable within 10 s (counted apart, not in the percentiles). */
    synchronized int lost() {
        return lost;
    }

    /** Each poll's time from request to answer, ms. */
    synchronized double[] pollMillis() {
        return pollMs.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Polls so far, and how many of them some shard did not answer in time. */
    synchronized long[] polls() {
        return new long[] {polls, partialPolls};
    }

    /** Markers sent since the phase began. */
    synchronized int sent() {
        int n = 0;
        for (long t : sentNanos) {
            n += t - phaseStart >= 0 ? 1 : 0;
        }
        return n;
    }

    @Override
    public void close() {
        producer.close();
    }
}
