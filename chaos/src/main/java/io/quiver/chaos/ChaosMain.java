package io.quiver.chaos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The fault suite against a running {@code scripts/quiver-cluster}: ingest while TaskManagers are
 * killed, restart the query server and the broker mid-load, feed bad Kafka records and bad HTTP
 * requests, then search load. Progress goes to standard error; standard output gets one summary
 * line of {@code key=value} figures; CSV files and a PNG plot go to {@code --out}. Exit status 0
 * when every check held, 1 when one failed (the summary says which), 2 on bad arguments.
 */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Quiver's fault suite against a running scripts/quiver-cluster.")
public final class ChaosMain implements Callable<Integer> {

    private static final int DIMENSION = 16;
    private static final String MAIN = "chaos";
    private static final String BROKER = "chaos_broker";
    private static final String BAD = "chaos_bad";
    private static final String HTTP = "chaos_http";

    @Option(
            names = "--short",
            description = "The CI size: one kill, 1,000 bad records and requests, 10 s of load.")
    boolean isShort;

    @Option(
            names = "--cluster-script",
            required = true,
            description = "Path of scripts/quiver-cluster.")
    Path clusterScript;

    @Option(
            names = "--data-dir",
            required = true,
            description = "The running cluster's data directory.")
    Path dataDir;

    @Option(
            names = "--out",
            required = true,
            description = "Directory for CSV files and the PNG plot.")
    Path out;

    @Option(names = "--http-port", defaultValue = "8080")
    int httpPort;

    @Option(names = "--flink-port", defaultValue = "8081")
    int flinkPort;

    @Option(names = "--kafka-port", defaultValue = "9092")
    int kafkaPort;

    @Option(names = "--taskmanagers", defaultValue = "2")
    int taskManagers;

    @Option(names = "--topic-prefix", defaultValue = "quiver")
    String topicPrefix;

    @Option(names = "--seed", description = "Random seed (default: the time).")
    Long seed;

    private Report report;
    private QuiverApi api;
    private Cluster cluster;
    private Vectors vectors;
    private Checker checker;
    private String bootstrap;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        long s = seed != null ? seed : System.currentTimeMillis();
        Progress.say("seed %d (%s run)", s, isShort ? "short" : "full");
        SplittableRandom random = new SplittableRandom(s);
        report = new Report();
        api = new QuiverApi(httpPort);
        cluster = new Cluster(clusterScript, dataDir, flinkPort);
        vectors = new Vectors(s, DIMENSION);
        checker = new Checker(api, vectors);
        bootstrap = "127.0.0.1:" + kafkaPort;
        for (String c : List.of(MAIN, BROKER, BAD, HTTP)) {
            QuiverApi.Answer a = api.createCollection(c, DIMENSION);
            if (!a.ok()) {
                throw new IllegalStateException("cannot create collection " + c + ": " + a);
            }
        }
        int upserts = isShort ? 5_000 : 100_000;
        int kills = isShort ? 1 : 5;
        int badRecords = isShort ? 1_000 : 10_000;
        int badRequests = isShort ? 1_000 : 10_000;
        Duration load = Duration.ofSeconds(isShort ? 10 : 60);

        LoadTest.Result loadResult;
        try (SearchProbe probe = new SearchProbe(api, MAIN, vectors)) {
            ingestWithKills(probe, random, upserts, kills);
            restartQueryServer(probe);
            restartBroker(isShort ? 2_000 : 10_000);
            badKafkaRecords(badRecords);
            badHttpRequests(probe, badRequests, s);
        }
        // Approximate search may miss a stored point now and then; such a miss is no loss, but a
        // point even the largest candidate list cannot reach is cut off from its graph.
        report.put("index_checked", checker.checked());
        report.put("index_misses", checker.indexMisses());
        report.put("index_unreachable", checker.unreachable());
        loadResult = load(load, upserts);
        report.write(out, loadResult);
        String line = report.summaryLine();
        System.out.println(line);
        boolean passed =
                report.getLong("lost") == 0
                        && report.getLong("duplicated") == 0
                        && report.getLong("deleted_returned") == 0
                        && report.getLong("dlq_good_stream") == 0
                        && report.getLong("outage_5xx") == 0
                        && report.getLong("qs_restart_lost") == 0
                        && report.getLong("qs_restart_non_connection_errors") == 0
                        && report.getLong("qs_restart_503_catalog_loading") == 0
                        && report.getLong("broker_restart_lost") == 0
                        && report.getLong("bad_records") == report.getLong("bad_records_in_dlq")
                        && report.getLong("bad_input_job_restarts") == 0
                        && report.getLong("good_records_missing") == 0
                        && report.getLong("index_unreachable") == 0
                        && report.getLong("index_misses") * 100 <= report.getLong("index_checked")
                        && report.getLong("http_5xx") == 0
                        && report.getLong("http_2xx") == 0
                        && report.getLong("good_search_errors_during_fuzz") == 0
                        && report.getLong("load_errors") == 0;
        Progress.say("%s; figures in %s", passed ? "every check held" : "CHECKS FAILED", out);
        return passed ? 0 : 1;
    }

    /** Phase 1: ingest while TaskManagers are killed and restarted. */
    private void ingestWithKills(SearchProbe probe, SplittableRandom random, int upserts, int kills)
            throws Exception {
        double rate = upserts / (kills * 30.0 + 10);
        Progress.say(
                "ingest: %,d upserts and %,d deletes at %.0f/s while killing a TaskManager %d time(s)",
                upserts, upserts / 10, rate, kills);
        Ingest ingest = new Ingest(bootstrap, topicPrefix + ".upserts", MAIN, vectors);
        Thread writer = background("chaos-ingest", () -> ingest.run("p", upserts, rate));
        double maxRecovery = 0;
        double maxBack = 0;
        long outage5xx = 0;
        long outageNoShard = 0;
        long outagePartial = 0;
        long outageSearches = 0;
        for (int k = 1; k <= kills; k++) {
            Thread.sleep(3_000 + random.nextInt(9_000));
            // A TaskManager that runs part of the job: after a kill the job may run on one
            // TaskManager alone, and killing the idle one would test nothing.
            List<Integer> busy = cluster.busyTaskManagers();
            int tm =
                    busy.isEmpty()
                            ? 1 + random.nextInt(taskManagers)
                            : busy.get(random.nextInt(busy.size()));
            SearchProbe.Counts before = probe.counts();
            String job = cluster.jobId();
            long failovers = cluster.failovers(job);
            long t0 = System.nanoTime();
            cluster.run("kill-tm", Integer.toString(tm));
            Thread restart =
                    background(
                            "chaos-start-tm", () -> cluster.run("start-tm", Integer.toString(tm)));
            // Recovered: the job has restarted and every shard answers a complete search again,
            // whether or not the killed TaskManager is back yet (the job may run on the other).
            awaitRecovered(job, failovers, Duration.ofMinutes(3));
            double seconds = (System.nanoTime() - t0) / 1e9;
            restart.join();
            awaitReady(Duration.ofMinutes(3));
            double back = (System.nanoTime() - t0) / 1e9;
            SearchProbe.Counts during = probe.counts().minus(before);
            report.recovery(k, tm, seconds, during);
            maxRecovery = Math.max(maxRecovery, seconds);
            maxBack = Math.max(maxBack, back);
            outage5xx += during.server5xx();
            outageNoShard += during.noShardAnswered();
            outagePartial += during.partial();
            outageSearches += during.searches();
            Progress.say(
                    "kill %d of TaskManager %d: searches complete again after %.1f s, TaskManager"
                            + " back after %.1f s; %d searches meanwhile, %d partial, %d 5xx%s",
                    k,
                    tm,
                    seconds,
                    back,
                    during.searches(),
                    during.partial(),
                    during.server5xx(),
                    during.server5xx() > 0 ? " (last: " + probe.last5xx() + ")" : "");
        }
        writer.join();
        ingest.close();
        List<List<String>> expected = Ingest.expected("p", upserts);
        Checker.Outcome o =
                checker.check(MAIN, expected.get(0), expected.get(1), Duration.ofMinutes(3));
        Progress.say(
                "ingest check: %s (producer: %d acked, %d failed)",
                o, ingest.acked(), ingest.failed());
        report.put("kills", kills);
        report.put("upserts", upserts);
        report.put("deletes", expected.get(1).size());
        report.put("count", o.counted());
        report.put("expected_count", o.expected());
        report.put("lost", o.lost() + ingest.failed());
        report.put("duplicated", o.duplicated());
        report.put("deleted_returned", o.deletedReturned());
        report.put("max_recovery_s", maxRecovery);
        report.put("max_tm_back_s", maxBack);
        report.put("outage_searches", outageSearches);
        report.put("outage_partial", outagePartial);
        report.put("outage_5xx", outage5xx);
        report.put("outage_503_no_shard", outageNoShard);
        report.put(
                "dlq_good_stream",
                DeadLetters.read(bootstrap, topicPrefix + ".dead-letters").size());
    }

    /** Phase 2: HTTP writes while the query server restarts; only connection errors allowed. */
    private void restartQueryServer(SearchProbe probe) throws Exception {
        Progress.say("query server restart under HTTP writes");
        List<String> acked = new ArrayList<>();
        AtomicLong connectionErrors = new AtomicLong();
        AtomicLong unknown = new AtomicLong();
        AtomicLong catalogLoading = new AtomicLong();
        AtomicLong otherErrors = new AtomicLong();
        AtomicReference<String> example = new AtomicReference<>("");
        AtomicReference<Boolean> running = new AtomicReference<>(true);
        Thread writer =
                background(
                        "chaos-http-writer",
                        () -> {
                            int n = 0;
                            while (running.get()) {
                                StringBuilder body = new StringBuilder("{\"points\": [");
                                List<String> ids = new ArrayList<>();
                                for (int i = 0; i < 20; i++, n++) {
                                    String id = "h" + n;
                                    ids.add(id);
                                    body.append(i == 0 ? "" : ",")
                                            .append("{\"id\": \"")
                                            .append(id)
                                            .append("\", \"vector\": ")
                                            .append(vectors.json(id))
                                            .append('}');
                                }
                                QuiverApi.Answer a =
                                        api.call(
                                                "PUT",
                                                "/collections/" + HTTP + "/points",
                                                body.append("]}").toString());
                                if (a.ok()) {
                                    synchronized (acked) {
                                        acked.addAll(ids);
                                    }
                                } else if (a.status() == 0) {
                                    connectionErrors.incrementAndGet();
                                    unknown.addAndGet(ids.size());
                                    Thread.sleep(100);
                                } else if (a.status() == 503
                                        && "catalog_loading"
                                                .equals(a.body().at("/error/code").asText())) {
                                    // Only past --catalog-wait-ms does a restarting server
                                    // listen before it has read the catalog; counted apart
                                    // and a failure (see the check).
                                    catalogLoading.incrementAndGet();
                                    Thread.sleep(100);
                                } else {
                                    otherErrors.incrementAndGet();
                                    example.compareAndSet("", a.status() + " " + a.body());
                                    Thread.sleep(100);
                                }
                                Thread.sleep(20);
                            }
                        });
        Thread.sleep(3_000);
        cluster.run("stop", "query");
        cluster.run("start", "query");
        awaitReady(Duration.ofMinutes(2));
        Thread.sleep(3_000);
        running.set(false);
        writer.join();
        List<String> ids;
        synchronized (acked) {
            ids = List.copyOf(acked);
        }
        Checker.Outcome o =
                checker.check(HTTP, ids, List.of(), unknown.get(), Duration.ofMinutes(2));
        Progress.say(
                "query server restart: %d points acknowledged, %s; %d connection errors, %d other errors %s",
                ids.size(), o, connectionErrors.get(), otherErrors.get(), example.get());
        report.put("qs_restart_acked", ids.size());
        report.put("qs_restart_lost", o.lost() + o.duplicated());
        report.put("qs_restart_connection_errors", connectionErrors.get());
        report.put("qs_restart_503_catalog_loading", catalogLoading.get());
        report.put("qs_restart_non_connection_errors", otherErrors.get());
    }

    /** Phase 3: the broker stops and starts while a producer writes; the job recovers alone. */
    private void restartBroker(int upserts) throws Exception {
        Progress.say("broker restart mid-ingest: %,d upserts", upserts);
        String job = cluster.jobId();
        Ingest ingest = new Ingest(bootstrap, topicPrefix + ".upserts", BROKER, vectors);
        Thread writer =
                background("chaos-broker-ingest", () -> ingest.run("k", upserts, upserts / 12.0));
        Thread.sleep(3_000);
        cluster.run("stop", "kafka");
        Thread.sleep(2_000);
        cluster.run("start", "kafka");
        writer.join();
        ingest.close();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!"RUNNING".equals(cluster.jobState(job)) && System.nanoTime() < deadline) {
            Thread.sleep(1_000);
        }
        awaitReady(Duration.ofMinutes(3));
        List<List<String>> expected = Ingest.expected("k", upserts);
        Checker.Outcome o =
                checker.check(BROKER, expected.get(0), expected.get(1), Duration.ofMinutes(3));
        Progress.say(
                "broker restart: job %s, %s (producer: %d acked, %d failed)",
                cluster.jobState(job), o, ingest.acked(), ingest.failed());
        report.put("broker_restart_job_state", cluster.jobState(job));
        report.put(
                "broker_restart_lost",
                o.lost() + o.duplicated() + o.deletedReturned() + ingest.failed());
    }

    /** Phase 4: bad records interleaved with good ones. */
    private void badKafkaRecords(int count) throws Exception {
        Progress.say("bad Kafka records: %,d bad, %,d good, interleaved", count, count);
        String job = cluster.jobId();
        long restartsBefore = cluster.failovers(job);
        BadRecords bad = new BadRecords(BAD, vectors, 7);
        List<String> good = new ArrayList<>();
        try (Ingest ingest = new Ingest(bootstrap, topicPrefix + ".upserts", BAD, vectors)) {
            for (int n = 0; n < count; n++) {
                ingest.sendRaw(BadRecords.key(n), bad.value(n));
                ingest.upsert("g" + n);
                good.add("g" + n);
            }
            ingest.flush();
        }
        Map<String, String> dlq = Map.of();
        int inDlq = 0;
        // Unknown collections wait for their spec (10 s by default) before they are dead-lettered.
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            dlq = DeadLetters.read(bootstrap, topicPrefix + ".dead-letters");
            inDlq = 0;
            for (int n = 0; n < count; n++) {
                String reason = dlq.get(BadRecords.key(n));
                if (reason != null && reason.length() > 3) {
                    inDlq++;
                }
            }
            if (inDlq == count) {
                break;
            }
            Thread.sleep(2_000);
        }
        Checker.Outcome o = checker.check(BAD, good, List.of(), Duration.ofMinutes(2));
        long restarts = cluster.failovers(job) - restartsBefore;
        Progress.say(
                "bad records: %d of %d in the dead-letter topic with a reason (e.g. %s), good ones: %s, job restarts: %d",
                inDlq, count, dlq.getOrDefault(BadRecords.key(3), "-"), o, restarts);
        report.put("bad_records", count);
        report.put("bad_records_in_dlq", inDlq);
        report.put("good_records_missing", o.lost() + o.duplicated());
        report.put("bad_input_job_restarts", restarts);
    }

    /** Phase 5: malformed HTTP requests while good searches keep running. */
    private void badHttpRequests(SearchProbe probe, int count, long s) throws Exception {
        Progress.say("bad HTTP requests: %,d", count);
        SearchProbe.Counts before = probe.counts();
        HttpFuzzer.Result r = new HttpFuzzer(httpPort, MAIN).run(count, s);
        SearchProbe.Counts during = probe.counts().minus(before);
        boolean alive = api.call("GET", "/healthz", null).ok();
        Progress.say(
                "bad HTTP requests: %s; good searches meanwhile: %s; server alive: %s",
                r, during, alive);
        report.put("http_bad_requests", r.requests());
        report.put("http_4xx", r.answered4xx());
        report.put("http_5xx", r.answered5xx());
        report.put("http_2xx", r.answered2xx());
        report.put("http_no_answer", r.noAnswer());
        report.put(
                "good_search_errors_during_fuzz",
                during.searches() - during.ok() + (alive ? 0 : 1));
    }

    /** Phase 6: search load at 64 connections, heap after full GC before and after. */
    private LoadTest.Result load(Duration duration, int ids) throws Exception {
        long pid = cluster.pid("query");
        double heapStart = Heap.usedAfterFullGcMiB(pid);
        Progress.say(
                "load: 64 connections for %d s (query server heap after full GC: %.1f MiB)",
                duration.toSeconds(), heapStart);
        LoadTest.Result r = new LoadTest(httpPort, MAIN, vectors).run(64, duration, ids);
        double heapEnd = Heap.usedAfterFullGcMiB(pid);
        Progress.say(
                "load: %,d requests, %d errors %s, p50 %.2f ms, p99 %.2f ms, heap after full GC %.1f MiB",
                r.requests(),
                r.errors(),
                r.firstError(),
                r.percentileMs(50),
                r.percentileMs(99),
                heapEnd);
        report.put("load_requests", r.requests());
        report.put("load_errors", r.errors());
        report.put("load_qps", r.requests() / (double) duration.toSeconds());
        report.put("load_p50_ms", r.percentileMs(50));
        report.put("load_p99_ms", r.percentileMs(99));
        report.put("load_p999_ms", r.percentileMs(99.9));
        report.put("heap_start_mib", heapStart);
        report.put("heap_end_mib", heapEnd);
        return r;
    }

    /**
     * Waits until the job has failed over since {@code failovers} (or a minute passed without that:
     * then the kill cost the job nothing) and a search is complete again.
     */
    private void awaitRecovered(String job, long failovers, Duration deadline) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        long noticeBy = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (cluster.failovers(job) <= failovers) {
            if (System.nanoTime() > noticeBy) {
                Progress.say("the job did not fail over after the kill");
                break;
            }
            Thread.sleep(100);
        }
        while (true) {
            QuiverApi.Answer a = api.search(MAIN, vectors.of("p0"), 1);
            if (a.ok() && !a.body().path("partial").asBoolean(true) && api.ready()) {
                return;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("searches not complete within " + deadline);
            }
            Thread.sleep(100);
        }
    }

    private void awaitReady(Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!api.ready()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("the query server is not ready after " + deadline);
            }
            Thread.sleep(250);
        }
    }

    /** Work that may throw, for {@link #background}. */
    private interface Work {
        void run() throws Exception;
    }

    private static Thread background(String name, Work work) {
        Thread t =
                new Thread(
                        () -> {
                            try {
                                work.run();
                            } catch (Exception e) {
                                Progress.say("%s failed: %s", name, e);
                            }
                        },
                        name);
        t.start();
        return t;
    }
}
