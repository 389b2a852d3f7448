package io.quiver.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.quiver.index.Metric;
import io.quiver.index.bench.Plot;
import io.quiver.index.flat.FlatIndex;
import io.quiver.query.QueryServer;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.rpc.NettyShardClient;
import io.quiver.schemas.Topics;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.TermStatsRequest;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import io.quiver.shard.ShardServer;
import io.quiver.testkit.EmbeddedKafka;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * What BM25 reranking with the collection's IDF costs a search, in one run: the same searches over
 * HTTP with {@code bm25} reranking, without reranking (limit 10, the anchor), and without reranking
 * but fetching what the rerank fetches (the top {@value #TOP_N} with payloads), so the rerank stage
 * itself (term statistics and scoring) shows apart from its larger fan-out; and, on the shard RPC
 * underneath, a {@code TERM_STATS} request against the {@code SEARCH} it runs beside. Sequential,
 * one client, so the figures are latencies, not throughput. Before the searches, {@link
 * Bm25WritePath} times the same corpus's upserts with and without a bm25 policy (what keeping term
 * statistics costs the write path).
 *
 * <p>Served: a Kafka broker (the catalog), the real shard server holding {@code --shards} shards of
 * a seeded corpus (Gaussian vectors, texts of 8–30 words drawn from a Zipf vocabulary of 5,000),
 * and a query server with its result cache off. Each round runs the four requests in a rotating
 * order, so drifting load on a shared machine hits them alike; the first tenth of the rounds is
 * warm-up.
 *
 * <p>stdout: CSV {@code mode,requests,errors,p50_ms,p90_ms,p99_ms,mean_ms}; stderr: progress and
 * the summary (the ratios). {@code --out DIR} also gets {@code results.csv}, {@code summary.txt},
 * {@code write-path.csv} and {@code latency.png}.
 */
public final class Bm25Benchmark {

    private static final String COLLECTION = "docs";
    private static final int VOCABULARY = 5_000;
    private static final int TOP_N = 50;
    private static final String[] MODES = {
        "http_plain", "http_top_n", "http_bm25", "rpc_search", "rpc_terms"
    };
    private static final ObjectMapper JSON = new ObjectMapper();

    private int points = 20_000;
    private int shards = 4;
    private int dim = 32;
    private int rounds = 2_000;
    private long seed = 42;
    private Path out;

    private Bm25Benchmark() {}

    public static void main(String[] args) throws Exception {
        Bm25Benchmark b = new Bm25Benchmark();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println(
                        "usage: scripts/bench/bm25 [--points 20000] [--shards 4] [--dim 32]"
                                + " [--rounds 2000] [--seed 42] [--out DIR]");
                return;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--points" -> b.points = positive(a, v);
                case "--shards" -> b.shards = positive(a, v);
                case "--dim" -> b.dim = positive(a, v);
                case "--rounds" -> b.rounds = positive(a, v);
                case "--seed" -> b.seed = Long.parseLong(v);
                case "--out" -> b.out = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        b.run();
    }

    private static int positive(String option, String value) {
        int n = Integer.parseInt(value);
        if (n < 1) {
            throw new IllegalArgumentException(option + " must be >= 1, got " + value);
        }
        return n;
    }

    private void run() throws Exception {
        Random random = new Random(seed);
        double[] zipf = zipfCdf();
        float[][] vectors = new float[points][];
        byte[][] payloads = new byte[points][];
        corpus(random, zipf, vectors, payloads);
        Bm25WritePath.Result writes =
                new Bm25WritePath(dim, vectors, payloads).run(line -> log("%s", line));
        log(
                "starting a Kafka broker, the shard server (%d shards, %d points) and the query server",
                shards, points);
        try (EmbeddedKafka kafka = EmbeddedKafka.create().start()) {
            Topics topics = new Topics("bm25bench");
            kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
            kafka.createTopic(topics.upserts(), 1);
            ShardServer server = ShardServer.acquire("127.0.0.1", 0);
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
            NettyShardClient client = new NettyShardClient(group, 1);
            try {
                String spec = spec();
                load(server, spec, vectors, payloads);
                ShardEndpoint endpoint = new ShardEndpoint(server.host(), server.port());
                Map<Integer, ShardEndpoint> endpoints = new HashMap<>();
                for (int s = 0; s < shards; s++) {
                    endpoints.put(s, endpoint);
                }
                try (QueryServer query =
                        QueryServer.builder()
                                .bootstrapServers(kafka.bootstrapServers())
                                .topicPrefix(topics.prefix())
                                .shards(shards)
                                .shardDirectory(ShardDirectory.fixed(shards, endpoints))
                                .port(0)
                                .resultCacheTtlMs(0)
                                .build()
                                .start()) {
                    Http http = new Http(query.port());
                    http.createCollection(spec);
                    measure(http, client, endpoint, random, zipf, writes);
                }
            } finally {
                client.close();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
                ShardServer.release();
            }
        }
    }

    private String spec() {
        return "{\"dimension\":"
                + dim
                + ",\"metric\":\"l2\",\"index\":{\"type\":\"flat\"},\"rerank_policy\":"
                + "{\"method\":\"bm25\",\"text_field\":\"text\",\"top_n\":"
                + TOP_N
                + ",\"timeout_ms\":5000}}";
    }

    /** Seeded points: Gaussian vectors, texts of 8–30 Zipf words in payload field "text". */
    private void corpus(Random random, double[] zipf, float[][] vectors, byte[][] payloads) {
        for (int i = 0; i < points; i++) {
            StringBuilder text = new StringBuilder();
            for (int w = 8 + random.nextInt(23); w > 0; w--) {
                text.append('t').append(word(random, zipf)).append(' ');
            }
            payloads[i] =
                    ("{\"text\":\"" + text + "\",\"i\":" + i + "}")
                            .getBytes(StandardCharsets.UTF_8);
            vectors[i] = vector(random);
        }
    }

    private void load(ShardServer server, String spec, float[][] vectors, byte[][] payloads) {
        LiveCollection[] parts = new LiveCollection[shards];
        for (int s = 0; s < shards; s++) {
            LiveShard shard = new LiveShard(s);
            parts[s] =
                    new LiveCollection(
                            COLLECTION,
                            spec.getBytes(StandardCharsets.UTF_8),
                            64,
                            new FlatIndex(dim, Metric.L2));
            shard.putCollection(parts[s]);
            shard.setReady(true);
            server.registry().register(shard);
        }
        for (int i = 0; i < points; i++) {
            parts[i % shards].upsert(Integer.toString(i), vectors[i], payloads[i]);
        }
    }

    private void measure(
            Http http,
            NettyShardClient client,
            ShardEndpoint endpoint,
            Random random,
            double[] zipf,
            Bm25WritePath.Result writes)
            throws Exception {
        int warmup = Math.max(1, rounds / 10);
        Map<String, double[]> millis = new LinkedHashMap<>();
        Map<String, Integer> errors = new LinkedHashMap<>();
        for (String m : MODES) {
            millis.put(m, new double[rounds]);
            errors.put(m, 0);
        }
        int[] all = new int[shards];
        for (int s = 0; s < shards; s++) {
            all[s] = s;
        }
        int fallbacks = 0;
        int progressEvery = Math.max(1, (warmup + rounds) / 10);
        for (int r = -warmup; r < rounds; r++) {
            float[] vector = vector(random);
            List<String> terms = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                terms.add("t" + (10 + random.nextInt(2_000)));
            }
            String text = String.join(" ", terms);
            for (int k = 0; k < MODES.length; k++) {
                String mode = MODES[(Math.floorMod(r, MODES.length) + k) % MODES.length];
                long start = System.nanoTime();
                boolean ok;
                switch (mode) {
                    case "http_plain" -> ok = http.search(vector, null, 10) != null;
                    case "http_top_n" -> ok = http.search(vector, null, TOP_N) != null;
                    case "http_bm25" -> {
                        JsonNode a = http.search(vector, text, 10);
                        ok = a != null && a.path("reranked").asBoolean();
                        if (ok && a.has("rerank_reason")) {
                            fallbacks++;
                        }
                    }
                    case "rpc_search" ->
                            ok =
                                    client.search(
                                                    endpoint,
                                                    SearchRequest.simple(
                                                            client.nextRequestId(),
                                                            COLLECTION,
                                                            all,
                                                            TOP_N,
                                                            0,
                                                            true,
                                                            vector,
                                                            5_000),
                                                    5_000)
                                            .handle((a, e) -> e == null)
                                            .join();
                    default ->
                            ok =
                                    client.termStats(
                                                    endpoint,
                                                    new TermStatsRequest(
                                                            client.nextRequestId(),
                                                            COLLECTION,
                                                            all,
                                                            "text",
                                                            new ArrayList<>(
                                                                    new LinkedHashSet<>(terms))),
                                                    5_000)
                                            .handle((a, e) -> e == null)
                                            .join();
                }
                double ms = (System.nanoTime() - start) / 1e6;
                if (r >= 0) {
                    millis.get(mode)[r] = ms;
                    if (!ok) {
                        errors.merge(mode, 1, Integer::sum);
                    }
                }
            }
            if ((r + warmup + 1) % progressEvery == 0) {
                log(
                        "%d%% (%d/%d rounds, the first %d warm-up)",
                        100 * (r + warmup + 1) / (warmup + rounds),
                        r + warmup + 1,
                        warmup + rounds,
                        warmup);
            }
        }
        report(millis, errors, fallbacks, writes);
    }

    private void report(
            Map<String, double[]> millis,
            Map<String, Integer> errors,
            int fallbacks,
            Bm25WritePath.Result writes)
            throws Exception {
        StringBuilder csv =
                new StringBuilder("mode,requests,errors,p50_ms,p90_ms,p99_ms,mean_ms\n");
        Map<String, Percentiles> p = new LinkedHashMap<>();
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : millis.entrySet()) {
            Percentiles q = new Percentiles(e.getValue());
            p.put(e.getKey(), q);
            csv.append(
                    String.format(
                            "%s,%d,%d,%.3f,%.3f,%.3f,%.3f%n",
                            e.getKey(),
                            q.count(),
                            errors.get(e.getKey()),
                            q.at(50),
                            q.at(90),
                            q.at(99),
                            Arrays.stream(e.getValue()).average().orElse(Double.NaN)));
            double[] sorted = q.sorted();
            double[] x = new double[sorted.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = 100.0 * (i + 1) / x.length;
            }
            series.put(e.getKey(), new double[][] {x, sorted});
        }
        String summary =
                String.format(
                                "points=%d shards=%d dim=%d rounds=%d top_n=%d seed=%d%n"
                                        + "bm25 HTTP / plain HTTP latency: p50 %.2f, p99 %.2f%n"
                                        + "bm25 HTTP / same fan-out without rerank (top %d with payloads):"
                                        + " p50 %.2f, p99 %.2f%n"
                                        + "TERM_STATS / SEARCH RPC latency: p50 %.2f, p99 %.2f%n"
                                        + "bm25 answers with candidate-set IDF (statistics missing): %d%n",
                                points,
                                shards,
                                dim,
                                rounds,
                                TOP_N,
                                seed,
                                p.get("http_bm25").at(50) / p.get("http_plain").at(50),
                                p.get("http_bm25").at(99) / p.get("http_plain").at(99),
                                TOP_N,
                                p.get("http_bm25").at(50) / p.get("http_top_n").at(50),
                                p.get("http_bm25").at(99) / p.get("http_top_n").at(99),
                                p.get("rpc_terms").at(50) / p.get("rpc_search").at(50),
                                p.get("rpc_terms").at(99) / p.get("rpc_search").at(99),
                                fallbacks)
                        + writes.summary();
        System.out.print(csv);
        System.err.print(summary);
        if (out != null) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("results.csv"), csv);
            Files.writeString(out.resolve("summary.txt"), summary);
            Files.writeString(out.resolve("write-path.csv"), writes.csv());
            Plot.lines(
                    "BM25 reranking: latency by percentile, one client",
                    "percentile",
                    "ms",
                    series,
                    true,
                    out.resolve("latency.png"));
        }
    }

    /** Cumulative Zipf (s = 1) weights over the vocabulary's ranks. */
    private static double[] zipfCdf() {
        double[] cdf = new double[VOCABULARY];
        double sum = 0;
        for (int i = 0; i < VOCABULARY; i++) {
            sum += 1.0 / (i + 1);
            cdf[i] = sum;
        }
        for (int i = 0; i < VOCABULARY; i++) {
            cdf[i] /= sum;
        }
        return cdf;
    }

    private static int word(Random random, double[] cdf) {
        int i = Arrays.binarySearch(cdf, random.nextDouble());
        return Math.min(VOCABULARY - 1, i >= 0 ? i : -i - 1);
    }

    private float[] vector(Random random) {
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }

    private static void log(String format, Object... args) {
        PrintStream err = System.err;
        err.println("bm25-bench: " + String.format(format, args));
    }

    /** The query server's HTTP API, as a client sees it. */
    private static final class Http {
        private final HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final String base;

        Http(int port) {
            this.base = "http://127.0.0.1:" + port + "/collections/" + COLLECTION;
        }

        /** PUTs the spec until the query server has read its catalog and knows it. */
        void createCollection(String spec) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                HttpResponse<String> r = send("PUT", base, spec);
                if (r.statusCode() == 200 && send("GET", base, null).statusCode() == 200) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot create the collection: " + r.body());
                }
                Thread.sleep(100);
            }
        }

        /**
         * The answer, or null when not 200; {@code text} null for a search without reranking, which
         * then asks for payloads when {@code limit} is more than 10.
         */
        JsonNode search(float[] vector, String text, int limit) throws Exception {
            StringBuilder body = new StringBuilder("{\"vector\":").append(Arrays.toString(vector));
            body.append(",\"limit\":").append(limit).append(",\"rerank\":");
            if (text == null) {
                body.append("false,\"with_payload\":").append(limit > 10).append('}');
            } else {
                body.append("{\"query_text\":\"").append(text).append("\",\"method\":\"bm25\"}}");
            }
            HttpResponse<String> r = send("POST", base + "/points/search", body.toString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        }

        private HttpResponse<String> send(String method, String uri, String body) throws Exception {
            HttpRequest request =
                    HttpRequest.newBuilder(URI.create(uri))
                            .timeout(Duration.ofSeconds(30))
                            .method(
                                    method,
                                    body == null
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofString(body))
                            .build();
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }
}
