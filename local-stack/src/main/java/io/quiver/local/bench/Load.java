package io.quiver.local.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * The two load shapes of the HTTP benchmark: closed loop (a fixed number of workers, each sending
 * its next request when the previous one is answered: throughput) and open loop (requests started
 * at a fixed rate whatever the answers do: latency). Open-loop latencies are measured from the
 * moment a request was due, not from when it was sent, so a stalled server shows up in the tail
 * instead of hiding it (coordinated omission).
 */
final class Load {

    /**
     * One measured phase.
     *
     * @param requests requests answered
     * @param seconds wall time of the phase
     * @param latenciesNanos every answered request's latency, sorted
     * @param errors requests that failed
     * @param workerCpuMs CPU time of the closed loop's worker threads (which have ended by the time
     *     the phase is reported, so a sample of the live threads misses them); 0 for an open loop
     */
    record Result(
            int requests, double seconds, long[] latenciesNanos, int errors, double workerCpuMs) {

        double qps() {
            return requests / seconds;
        }

        /** The {@code p}-th percentile latency in ms (nearest rank), NaN when nothing answered. */
        double percentileMs(double p) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(p / 100.0 * latenciesNanos.length) - 1;
            return latenciesNanos[Math.max(0, Math.min(rank, latenciesNanos.length - 1))] / 1e6;
        }
    }

    /** One request, synchronous: returns normally when answered correctly. */
    @FunctionalInterface
    interface Call {
        void run(int i) throws Exception;
    }

    private Load() {}

    /** {@code workers} threads calling {@code call} back to back for {@code millis}. */
    static Result closedLoop(int workers, long millis, Call call) throws InterruptedException {
        return closedLoop(workers, millis, call, null);
    }

    /** What each closed-loop worker does on its own thread before the measured phase starts. */
    @FunctionalInterface
    interface WorkerSetup {
        void run() throws Exception;
    }

    /**
     * {@link #closedLoop(int, long, Call)} whose workers each run {@code setup} (when not null)
     * before the clock starts.
     *
     * @throws IllegalStateException when a worker's setup fails
     */
    static Result closedLoop(int workers, long millis, Call call, WorkerSetup setup)
            throws InterruptedException {
        Recorder[] recorders = new Recorder[workers];
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger next = new AtomicInteger();
        AtomicLong workerCpuNanos = new AtomicLong();
        CountDownLatch done = new CountDownLatch(workers);
        CountDownLatch ready = new CountDownLatch(workers);
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Exception> setupFailed = new AtomicReference<>();
        Thread[] threads = new Thread[workers];
        for (int w = 0; w < workers; w++) {
            Recorder r = new Recorder();
            recorders[w] = r;
            threads[w] =
                    new Thread(
                            () -> {
                                ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
                                try {
                                    if (setup != null) {
                                        setup.run();
                                    }
                                } catch (Exception e) {
                                    setupFailed.compareAndSet(null, e);
                                    stop.set(true);
                                } finally {
                                    ready.countDown();
                                }
                                long cpu0 = cpu.getCurrentThreadCpuTime();
                                try {
                                    go.await();
                                    while (!stop.get()) {
                                        long t0 = System.nanoTime();
                                        try {
                                            call.run(next.getAndIncrement());
                                            r.add(System.nanoTime() - t0);
                                        } catch (Exception e) {
                                            r.errors++;
                                        }
                                    }
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                } finally {
                                    workerCpuNanos.addAndGet(cpu.getCurrentThreadCpuTime() - cpu0);
                                    done.countDown();
                                }
                            },
                            "bench-closed-" + w);
        }
        for (Thread t : threads) {
            t.start();
        }
        ready.await();
        long start = System.nanoTime();
        go.countDown();
        if (setupFailed.get() != null) {
            done.await();
            throw new IllegalStateException(
                    "a closed-loop worker's setup failed", setupFailed.get());
        }
        Thread.sleep(millis);
        stop.set(true);
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        return merge(recorders, seconds, workerCpuNanos.get() / 1e6);
    }

    /**
     * Starts request {@code i} at {@code start + i / rate} for {@code millis}; {@code send} returns
     * a future completing when the answer is in (failing for a bad answer).
     */
    static Result openLoop(double rate, long millis, IntFunction<CompletableFuture<?>> send)
            throws InterruptedException {
        int total = (int) Math.round(rate * millis / 1000.0);
        long period = (long) (1e9 / rate);
        long[] latencies = new long[total];
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(total);
        long start = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long due = start + i * period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            int slot = i;
            CompletableFuture<?> f;
            try {
                f = send.apply(i);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete(
                    (r, t) -> {
                        if (t == null) {
                            latencies[slot] = System.nanoTime() - due;
                            answered.incrementAndGet();
                        } else {
                            latencies[slot] = -1;
                            errors.incrementAndGet();
                        }
                        done.countDown();
                    });
        }
        if (!done.await(millis + 30_000, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(
                    (done.getCount()) + " requests still unanswered 30 s after the last was sent");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] ok = Arrays.stream(latencies).filter(l -> l >= 0).sorted().toArray();
        return new Result(answered.get(), seconds, ok, errors.get(), 0);
    }

    /** An executor of {@code n} daemon threads, for open-loop in-process calls. */
    static ExecutorService pool(int n, String name) {
        AtomicInteger count = new AtomicInteger();
        return Executors.newFixedThreadPool(
                n,
                r -> {
                    Thread t = new Thread(r, name + "-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    private static Result merge(Recorder[] recorders, double seconds, double workerCpuMs) {
        int n = 0;
        int errors = 0;
        for (Recorder r : recorders) {
            n += r.size;
            errors += r.errors;
        }
        long[] all = new long[n];
        int at = 0;
        for (Recorder r : recorders) {
            System.arraycopy(r.values, 0, all, at, r.size);
            at += r.size;
        }
        Arrays.sort(all);
        return new Result(n, seconds, all, errors, workerCpuMs);
    }

    /** One worker's latencies, grown by doubling (no boxing while measuring). */
    private static final class Recorder {
        long[] values = new long[1 << 14];
        int size;
        int errors;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }
}
