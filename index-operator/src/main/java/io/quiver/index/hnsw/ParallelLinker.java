package io.quiver.index.hnsw;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The bulk builder: links reserved nodes on several threads, each taking the next node from a
 * shared counter, each with its own scratch. Node locks in {@link HnswGraph} keep the lists
 * consistent; the order in which nodes get linked, and so the graph, varies from run to run.
 */
final class ParallelLinker {

    private ParallelLinker() {}

    /** Links nodes {@code [from, to)} on up to {@code threads} threads. */
    static void link(HnswGraph g, int from, int to, int threads, SearchScratch writerScratch) {
        int n = to - from;
        if (threads <= 1 || n < 1000) {
            for (int node = from; node < to; node++) {
                g.link(node, writerScratch);
            }
            return;
        }
        // The first nodes go in alone: parallel inserts into a near-empty graph collide a lot.
        int serial = Math.max(0, Math.min(to, 256) - from);
        for (int node = from; node < from + serial; node++) {
            g.link(node, writerScratch);
        }
        AtomicInteger next = new AtomicInteger(from + serial);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] =
                    new Thread(
                            () -> {
                                SearchScratch s = new SearchScratch();
                                try {
                                    for (int node = next.getAndIncrement();
                                            node < to && failure.get() == null;
                                            node = next.getAndIncrement()) {
                                        g.link(node, s);
                                    }
                                } catch (Throwable e) {
                                    failure.compareAndSet(null, e);
                                }
                            },
                            "quiver-hnsw-build-" + t);
            workers[t].start();
        }
        boolean interrupted = false;
        for (Thread w : workers) {
            while (true) {
                try {
                    w.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable e = failure.get();
        if (e != null) {
            throw new IllegalStateException("parallel build failed", e);
        }
    }
}
