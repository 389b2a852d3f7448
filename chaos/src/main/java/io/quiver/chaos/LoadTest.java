package io.quiver.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Search load: {@code connections} threads, each with its own keep-alive connection, searching back
 * to back for a fixed time. Records every latency with its second, for percentiles overall and per
 * second.
 */
final class LoadTest {

    /** Latencies in microseconds, and per-second p50/p99 in milliseconds. */
    record Result(
            long requests,
            long errors,
            long[] latenciesMicros,
            double[][] perSecond,
            String firstError) {
        double percentileMs(double p) {
            if (latenciesMicros.length == 0) {
                return Double.NaN;
            }
            int i =
                    (int)
                            Math.min(
                                    latenciesMicros.length - 1,
                                    Math.ceil(p / 100 * latenciesMicros.length) - 1);
            return latenciesMicros[Math.max(0, i)] / 1000.0;
        }
    }

    private final int port;
    private final String collection;
    private final Vectors vectors;

    LoadTest(int port, String collection, Vectors vectors) {
        this.port = port;
        this.collection = collection;
        this.vectors = vectors;
    }

    Result run(int connections, Duration duration, int ids) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        int seconds = (int) duration.toSeconds() + 1;
        List<long[]> samples = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        String[] firstError = {""};
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            long[][] mine = {new long[1 << 12]};
            int[] size = {0};
            int id = c;
            Thread t =
                    new Thread(
                            () -> {
                                // One client per thread: one connection each, as wrk does.
                                HttpClient client =
                                        HttpClient.newBuilder()
                                                .version(HttpClient.Version.HTTP_1_1)
                                                .build();
                                long n = id;
                                while (System.nanoTime() < end) {
                                    String body =
                                            "{\"vector\": "
                                                    + vectors.json("p" + (n % ids))
                                                    + ", \"limit\": 10}";
                                    n += connections;
                                    long t0 = System.nanoTime();
                                    boolean ok;
                                    try {
                                        HttpResponse<String> r =
                                                client.send(
                                                        HttpRequest.newBuilder(
                                                                        URI.create(
                                                                                "http://127.0.0.1:"
                                                                                        + port
                                                                                        + "/collections/"
                                                                                        + collection
                                                                                        + "/points/search"))
                                                                .timeout(Duration.ofSeconds(10))
                                                                .header(
                                                                        "Content-Type",
                                                                        "application/json")
                                                                .POST(
                                                                        HttpRequest.BodyPublishers
                                                                                .ofString(body))
                                                                .build(),
                                                        HttpResponse.BodyHandlers.ofString());
                                        ok =
                                                r.statusCode() == 200
                                                        && !r.body().contains("\"partial\":true");
                                        if (!ok) {
                                            synchronized (firstError) {
                                                if (firstError[0].isEmpty()) {
                                                    firstError[0] = r.statusCode() + " " + r.body();
                                                }
                                            }
                                        }
                                    } catch (Exception e) {
                                        ok = false;
                                        synchronized (firstError) {
                                            if (firstError[0].isEmpty()) {
                                                firstError[0] = e.toString();
                                            }
                                        }
                                    }
                                    long t1 = System.nanoTime();
                                    if (!ok) {
                                        errors.incrementAndGet();
                                        continue;
                                    }
                                    if (size[0] + 2 > mine[0].length) {
                                        mine[0] = Arrays.copyOf(mine[0], mine[0].length * 2);
                                    }
                                    mine[0][size[0]++] = (t1 - t0) / 1000;
                                    mine[0][size[0]++] = (t1 - start) / 1_000_000_000L;
                                }
                                synchronized (samples) {
                                    samples.add(Arrays.copyOf(mine[0], size[0]));
                                }
                            },
                            "chaos-load-" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        int total = 0;
        for (long[] s : samples) {
            total += s.length / 2;
        }
        long[] all = new long[total];
        List<List<Long>> bySecond = new ArrayList<>();
        for (int s = 0; s < seconds; s++) {
            bySecond.add(new ArrayList<>());
        }
        int k = 0;
        for (long[] s : samples) {
            for (int i = 0; i < s.length; i += 2) {
                all[k++] = s[i];
                bySecond.get((int) Math.min(seconds - 1, s[i + 1])).add(s[i]);
            }
        }
        Arrays.sort(all);
        double[][] perSecond = new double[seconds][];
        for (int s = 0; s < seconds; s++) {
            long[] sec = bySecond.get(s).stream().mapToLong(Long::longValue).sorted().toArray();
            perSecond[s] =
                    sec.length == 0
                            ? new double[] {s, Double.NaN, Double.NaN, 0}
                            : new double[] {
                                s,
                                sec[(int) (sec.length * 0.5)] / 1000.0,
                                sec[Math.min(sec.length - 1, (int) (sec.length * 0.99))] / 1000.0,
                                sec.length
                            };
        }
        return new Result(total + errors.get(), errors.get(), all, perSecond, firstError[0]);
    }
}
