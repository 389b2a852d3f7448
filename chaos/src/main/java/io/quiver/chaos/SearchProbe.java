package io.quiver.chaos;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Searches the collection in a loop on its own thread while faults happen, counting how the query
 * server answered: 200 (partial or complete), 4xx, 5xx or no answer at all.
 */
final class SearchProbe implements AutoCloseable {

    /** Counts since the probe started; subtract two snapshots for a window. */
    record Counts(
            long searches,
            long ok,
            long partial,
            long client4xx,
            long server5xx,
            long noShardAnswered,
            long noAnswer) {
        Counts minus(Counts o) {
            return new Counts(
                    searches - o.searches,
                    ok - o.ok,
                    partial - o.partial,
                    client4xx - o.client4xx,
                    server5xx - o.server5xx,
                    noShardAnswered - o.noShardAnswered,
                    noAnswer - o.noAnswer);
        }
    }

    private final QuiverApi api;
    private final String collection;
    private final Vectors vectors;
    private final AtomicLong searches = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong partial = new AtomicLong();
    private final AtomicLong client4xx = new AtomicLong();
    private final AtomicLong server5xx = new AtomicLong();
    private final AtomicLong noShardAnswered = new AtomicLong();
    private final AtomicLong noAnswer = new AtomicLong();
    private volatile String last5xx = "";
    private volatile boolean running = true;
    private final Thread thread;

    SearchProbe(QuiverApi api, String collection, Vectors vectors) {
        this.api = api;
        this.collection = collection;
        this.vectors = vectors;
        this.thread = new Thread(this::loop, "chaos-search-probe");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        long n = 0;
        while (running) {
            QuiverApi.Answer a = api.search(collection, vectors.of("p" + (n++ % 1000)), 10);
            searches.incrementAndGet();
            if (a.status() == 200) {
                ok.incrementAndGet();
                if (a.body().path("partial").asBoolean(false)) {
                    partial.incrementAndGet();
                }
            } else if (a.status() >= 500) {
                server5xx.incrementAndGet();
                // Counted apart to tell a regression to the old "no shard answered" 503 from
                // other server errors.
                if (a.status() == 503
                        && "shards_unavailable".equals(a.body().at("/error/code").asText())) {
                    noShardAnswered.incrementAndGet();
                }
                last5xx = a.status() + " " + a.body();
            } else if (a.status() >= 400) {
                client4xx.incrementAndGet();
            } else {
                noAnswer.incrementAndGet();
            }
            try {
                Thread.sleep(a.status() == 0 ? 200 : 50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    Counts counts() {
        return new Counts(
                searches.get(),
                ok.get(),
                partial.get(),
                client4xx.get(),
                server5xx.get(),
                noShardAnswered.get(),
                noAnswer.get());
    }

    String last5xx() {
        return last5xx;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(20_000);
    }
}
