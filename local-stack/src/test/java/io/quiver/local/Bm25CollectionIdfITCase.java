package io.quiver.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.quiver.index.Metric;
import io.quiver.index.flat.FlatIndex;
import io.quiver.query.QueryServer;
import io.quiver.query.rerank.CorpusStats;
import io.quiver.query.rerank.ShardTermStats;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.routing.ShardEndpoint;
import io.quiver.query.rpc.NettyShardClient;
import io.quiver.schemas.Topics;
import io.quiver.schemas.text.Tokenizer;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import io.quiver.shard.ShardServer;
import io.quiver.testkit.EmbeddedKafka;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * BM25 with the collection's IDF against the real shard server and query server over TCP: four
 * shards hold a seeded corpus of 2,000 points, whose per-shard term statistics the query server
 * sums.
 *
 * <p>The ten points nearest the origin are the candidates of every search here: six of them hold
 * "quokka", a term no other point holds (rare in the collection, common among the candidates), one
 * holds "sunset", which three quarters of the collection holds. Candidate-set IDF would rank the
 * "sunset" point first; the collection's ranks a "quokka" point first.
 */
class Bm25CollectionIdfITCase {

    private static final long SEED = 20261125L;
    private static final int SHARDS = 4;
    private static final int FAR = 1990;
    private static final String SPEC =
            "{\"dimension\": 2, \"metric\": \"l2\", \"rerank_policy\": {\"method\": \"bm25\","
                    + " \"text_field\": \"body\", \"timeout_ms\": 5000}}";

    /** No rerank policy: its shards keep no term statistics. */
    private static final String PLAIN = "{\"dimension\": 2, \"metric\": \"l2\"}";

    private static final String[] WORDS = {
        "stone", "road", "field", "green", "river", "light", "house", "bread", "north", "quiet",
        "window", "water", "small", "open", "morning", "hill"
    };
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EmbeddedKafka kafka;
    private static ShardServer shardServer;
    private static final LiveShard[] LIVE = new LiveShard[SHARDS];
    private static QueryServer server;
    private static EventLoopGroup group;
    private static NettyShardClient client;
    private static ShardTermStats termStats;

    /** Every point's text, by collection and id: the corpus the expectations are computed over. */
    private static final Map<String, Map<String, String>> TEXTS = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.create().start();
        Topics topics = new Topics("bm25");
        kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
        kafka.createTopic(topics.upserts(), 1);
        shardServer = ShardServer.acquire("127.0.0.1", 0);
        for (int s = 0; s < SHARDS; s++) {
            LIVE[s] = new LiveShard(s);
            LIVE[s].setReady(true);
            shardServer.registry().register(LIVE[s]);
        }
        seed("docs", SPEC);
        seed("edits", SPEC);
        seed("late", PLAIN);
        ShardEndpoint endpoint = new ShardEndpoint(shardServer.host(), shardServer.port());
        Map<Integer, ShardEndpoint> endpoints = new HashMap<>();
        for (int s = 0; s < SHARDS; s++) {
            endpoints.put(s, endpoint);
        }
        ShardDirectory directory = ShardDirectory.fixed(SHARDS, endpoints);
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        client = new NettyShardClient(group, 1);
        termStats = new ShardTermStats(directory, client);
        server =
                QueryServer.builder()
                        .bootstrapServers(kafka.bootstrapServers())
                        .topicPrefix(topics.prefix())
                        .shards(SHARDS)
                        .shardDirectory(directory)
                        .port(0)
                        .resultCacheTtlMs(0)
                        .build()
                        .start();
        // The same spec again is a no-op, so retrying while the catalog loads is safe.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> send("PUT", "/collections/docs", SPEC).statusCode() == 200);
        assertThat(send("PUT", "/collections/late", PLAIN).statusCode()).isEqualTo(200);
    }

    /**
     * Candidates c0–c9 at (1 + i, 0) on shard i mod 4: c2–c7 say "quokka", c9 "sunset", all four
     * terms long. Far points f0–f1989 at (1000 + j, 0): four seeded words, "sunset" in three of
     * four, some without a body (a title only) or with a body that holds no term.
     */
    private static void seed(String name, String spec) {
        Map<String, String> texts = new LinkedHashMap<>();
        LiveCollection[] parts = new LiveCollection[SHARDS];
        for (int s = 0; s < SHARDS; s++) {
            parts[s] =
                    new LiveCollection(
                            name,
                            spec.getBytes(StandardCharsets.UTF_8),
                            16,
                            new FlatIndex(2, Metric.L2));
            LIVE[s].putCollection(parts[s]);
        }
        for (int i = 0; i < 10; i++) {
            String body =
                    i >= 2 && i <= 7
                            ? "quokka stone road field"
                            : i == 9 ? "sunset stone road field" : "green stone road field";
            texts.put("c" + i, body);
            parts[i % SHARDS].upsert("c" + i, new float[] {1 + i, 0}, payload(body));
        }
        Random random = new Random(SEED);
        for (int j = 0; j < FAR; j++) {
            String id = "f" + j;
            byte[] payload;
            if (j % 97 == 0) {
                payload = "{\"title\": \"no body\"}".getBytes(StandardCharsets.UTF_8);
            } else if (j % 101 == 0) {
                payload = payload("...");
                texts.put(id, "...");
            } else {
                StringBuilder body = new StringBuilder();
                for (int w = 0; w < 4; w++) {
                    body.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
                }
                if (random.nextInt(4) != 0) {
                    body.append("Sunset");
                }
                texts.put(id, body.toString());
                payload = payload(body.toString());
            }
            parts[j % SHARDS].upsert(id, new float[] {1000 + j, 0}, payload);
        }
        TEXTS.put(name, texts);
    }

    private static byte[] payload(String body) {
        return ("{\"body\": \"" + body + "\", \"n\": 1}").getBytes(StandardCharsets.UTF_8);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (client != null) {
            client.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
        if (shardServer != null) {
            for (LiveShard s : LIVE) {
                shardServer.registry().unregister(s);
            }
            ShardServer.release();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void mergedStatisticsAndIdfEqualThoseOfTheWholeCorpus() {
        List<String> terms = terms();
        CorpusStats merged = termStats.fetch("docs", "body", terms, 5_000).join();
        assertMatchesCorpus(merged, "docs", terms);
        assertThat(merged.docFreqs().get("quokka")).isEqualTo(6);
        assertThat(merged.docFreqs().get("sunset")).isGreaterThan(1000);
    }

    @Test
    void upsertReplacementsAndDeletesChangeTheMergedStatistics() {
        List<String> terms = terms();
        Map<String, String> texts = TEXTS.get("edits");
        LiveCollection[] parts = new LiveCollection[SHARDS];
        for (int s = 0; s < SHARDS; s++) {
            parts[s] = LIVE[s].collection("edits");
        }
        // Replace: c9 loses "sunset", c3 loses "quokka", f1 gains it; delete: f2, f3 and f97.
        replace(parts, texts, 9, "c9", "plain stone road", 10);
        replace(parts, texts, 3, "c3", "green green stone", 4);
        replace(parts, texts, 1, "f1", "quokka quokka hill", 1001);
        for (int j : new int[] {2, 3, 97}) {
            parts[j % SHARDS].delete("f" + j);
            texts.remove("f" + j);
        }
        // A point the shard did not hold before.
        parts[0].upsert("new", new float[] {5000, 0}, payload("quokka sunset"));
        texts.put("new", "quokka sunset");

        CorpusStats merged = termStats.fetch("edits", "body", terms, 5_000).join();
        assertMatchesCorpus(merged, "edits", terms);
        assertThat(merged.docFreqs().get("quokka")).isEqualTo(6 - 1 + 1 + 1);
    }

    private static void replace(
            LiveCollection[] parts,
            Map<String, String> texts,
            int shardOf,
            String id,
            String body,
            float x) {
        parts[shardOf % SHARDS].upsert(id, new float[] {x, 0}, payload(body));
        texts.put(id, body);
    }

    @Test
    void theDocumentWithTheTermRareInTheCollectionRanksFirstThoughCommonAmongTheCandidates()
            throws Exception {
        double before = metric("quiver_rerank_total{method=\"bm25\",outcome=\"ok\"}");
        JsonNode answer = search();
        assertThat(answer.get("partial").asBoolean()).isFalse();
        assertThat(answer.get("reranked").asBoolean()).isTrue();
        assertThat(answer.has("rerank_reason")).as(answer.toString()).isFalse();
        assertThat(TestStack.ids(answer).subList(0, 6))
                .containsExactly("c2", "c3", "c4", "c5", "c6", "c7");
        assertThat(metric("quiver_rerank_total{method=\"bm25\",outcome=\"ok\"}"))
                .isEqualTo(Math.max(0, before) + 1);
    }

    @Test
    void aShardThatCannotAnswerMakesBm25UseCandidateIdfAndSaySo() throws Exception {
        LIVE[2].setReady(false);
        try {
            JsonNode answer = search();
            assertThat(answer.get("partial").asBoolean()).isTrue();
            assertThat(answer.get("missing_shards").toString()).isEqualTo("[2]");
            assertThat(answer.get("reranked").asBoolean()).isTrue();
            assertThat(answer.get("rerank_reason").asText()).isEqualTo("candidate_idf");
            assertThat(metric("quiver_rerank_total{method=\"bm25\",outcome=\"candidate_idf\"}"))
                    .isGreaterThanOrEqualTo(1);
            CorpusStats stats = termStats.fetch("docs", "body", terms(), 5_000).join();
            assertThat(stats.complete()).isFalse();
            assertThat(stats.missing()).contains("[2]");
        } finally {
            LIVE[2].setReady(true);
        }
        assertThat(search().has("rerank_reason")).isFalse();
    }

    @Test
    void aSpecTurningBm25OnGivesTheCollectionsIdfOnceTheShardsApplyIt() throws Exception {
        String perRequest = ", \"method\": \"bm25\"";
        JsonNode before = search("late", perRequest);
        assertThat(before.get("reranked").asBoolean()).isTrue();
        assertThat(before.get("rerank_reason").asText())
                .as("no bm25 policy: the shards keep no statistics")
                .isEqualTo("candidate_idf");

        // The query server reads the new spec from the topic before the shards apply it.
        try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
            producer.send(
                            new ProducerRecord<>(
                                    new Topics("bm25").collections(),
                                    "late".getBytes(StandardCharsets.UTF_8),
                                    SPEC.getBytes(StandardCharsets.UTF_8)))
                    .get();
        }
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> send("GET", "/collections/late", null).body().contains("\"bm25\""));
        assertThat(search("late", "").get("rerank_reason").asText()).isEqualTo("candidate_idf");
        assertThat(termStats.fetch("late", "body", terms(), 5_000).join().complete()).isFalse();

        // As the index operator applies a spec change that keeps the index.
        for (LiveShard shard : LIVE) {
            shard.collection("late").setSpec(SPEC.getBytes(StandardCharsets.UTF_8), 16);
        }
        assertMatchesCorpus(
                termStats.fetch("late", "body", terms(), 5_000).join(), "late", terms());
        JsonNode after = search("late", "");
        assertThat(after.has("rerank_reason")).as(after.toString()).isFalse();
        assertThat(TestStack.ids(after).subList(0, 6))
                .containsExactly("c2", "c3", "c4", "c5", "c6", "c7");
    }

    /** The query's terms, a few common ones and one no point holds. */
    private static List<String> terms() {
        return List.of("quokka", "sunset", "stone", "road", "river", "hill", "absent");
    }

    private static void assertMatchesCorpus(CorpusStats merged, String name, List<String> terms) {
        assertThat(merged.complete()).as(merged.missing()).isTrue();
        long docs = 0;
        long total = 0;
        Map<String, Long> df = new HashMap<>();
        for (String text : TEXTS.get(name).values()) {
            List<String> t = Tokenizer.terms(text);
            docs++;
            total += t.size();
            Set<String> distinct = new HashSet<>(t);
            for (String term : distinct) {
                df.merge(term, 1L, Long::sum);
            }
        }
        assertThat(merged.docs()).isEqualTo(docs);
        assertThat(merged.totalTerms()).isEqualTo(total);
        for (String term : terms) {
            long d = df.getOrDefault(term, 0L);
            assertThat(merged.docFreqs().get(term)).as(term).isEqualTo(d);
            assertThat(merged.idf(term))
                    .as("idf of %s", term)
                    .isEqualTo(Math.log(1 + (docs - d + 0.5) / (d + 0.5)));
        }
    }

    private static JsonNode search() throws Exception {
        return search("docs", "");
    }

    /** The search of every test here, in {@code collection}, {@code rerank} added to its rerank. */
    private static JsonNode search(String collection, String rerank) throws Exception {
        String body =
                "{\"vector\": [0, 0], \"limit\": 10, \"timeout_ms\": 5000, \"rerank\":"
                        + " {\"query_text\": \"Quokka sunset\", \"top_n\": 10, \"fusion\":"
                        + " \"weighted\", \"weight\": 0.8"
                        + rerank
                        + "}}";
        HttpResponse<String> r =
                send("POST", "/collections/" + collection + "/points/search", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static double metric(String sample) throws Exception {
        for (String line : send("GET", "/metrics", null).body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return -1;
    }

    private static HttpResponse<String> send(String method, String path, String body)
            throws Exception {
        return TestStack.send(server.port(), method, path, body);
    }
}
