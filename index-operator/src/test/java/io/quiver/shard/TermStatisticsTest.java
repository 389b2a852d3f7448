package io.quiver.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.index.Metric;
import io.quiver.index.flat.FlatIndex;
import io.quiver.schemas.rpc.TermStatsResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TermStatisticsTest {

    /** Keeps statistics of the default field, {@code text}. */
    private static final String BM25 =
            "{\"dimension\": 2, \"metric\": \"l2\", \"rerank_policy\": {\"method\": \"bm25\"}}";

    private static final String PLAIN = "{\"dimension\": 2, \"metric\": \"l2\"}";

    /** Reranks, but not with bm25: no statistics either. */
    private static final String EXACT =
            "{\"dimension\": 2, \"metric\": \"l2\", \"rerank_policy\": {\"enabled\": true,"
                    + " \"method\": \"exact\"}}";

    private static byte[] payload(String field, String text) {
        return ("{\"" + field + "\":\"" + text + "\",\"n\":1}").getBytes(StandardCharsets.UTF_8);
    }

    private static LiveCollection collection(String spec, int maxTerms) {
        return new LiveCollection(
                "docs",
                spec.getBytes(StandardCharsets.UTF_8),
                16,
                new FlatIndex(2, Metric.L2),
                maxTerms);
    }

    @Test
    void upsertsReplacementsAndDeletesKeepTheCountsOfTheLivePayloads() {
        LiveCollection docs = collection(BM25, 100);
        docs.upsert("a", new float[] {0, 0}, payload("text", "Red fox, red hen"));
        docs.upsert("b", new float[] {1, 0}, payload("text", "a brown fox"));
        docs.upsert("c", new float[] {2, 0}, payload("title", "not the text field"));
        docs.upsert("d", new float[] {3, 0}, null);
        TermStatistics stats = docs.termStats();
        assertThat(stats.docs()).isEqualTo(2);
        assertThat(stats.totalTerms()).isEqualTo(7);
        assertThat(stats.docFreq("red")).as("counted once per point").isEqualTo(1);
        assertThat(stats.docFreq("fox")).isEqualTo(2);
        assertThat(stats.docFreq("field")).isZero();

        // Replacing a payload takes its old terms away.
        docs.upsert("a", new float[] {0, 0}, payload("text", "grey owl"));
        assertThat(stats.docs()).isEqualTo(2);
        assertThat(stats.totalTerms()).isEqualTo(5);
        assertThat(stats.docFreq("red")).isZero();
        assertThat(stats.docFreq("fox")).isEqualTo(1);
        assertThat(stats.docFreq("owl")).isEqualTo(1);

        docs.delete("b");
        docs.delete("missing");
        assertThat(stats.docs()).isEqualTo(1);
        assertThat(stats.totalTerms()).isEqualTo(2);
        assertThat(stats.docFreq("fox")).isZero();
        assertThat(stats.terms()).as("terms no point holds are dropped").isEqualTo(2);
    }

    @Test
    void batchedUpsertsCountLikeOneByOne() {
        LiveCollection batched = collection(BM25, 100);
        LiveCollection single = collection(BM25, 100);
        for (LiveCollection docs : new LiveCollection[] {batched, single}) {
            docs.upsert("a", new float[] {0, 0}, payload("text", "red fox"));
        }
        String[] ids = {"a", "b", "c"};
        float[][] vectors = {{0, 1}, {1, 1}, {2, 1}};
        byte[][] payloads = {
            payload("text", "grey owl"), payload("text", "brown fox"), payload("title", "other")
        };
        batched.upsertAll(ids, vectors, payloads);
        for (int i = 0; i < ids.length; i++) {
            single.upsert(ids[i], vectors[i], payloads[i]);
        }

        TermStatistics a = batched.termStats();
        TermStatistics b = single.termStats();
        assertThat(a.docs()).isEqualTo(b.docs()).isEqualTo(2);
        assertThat(a.totalTerms()).isEqualTo(b.totalTerms()).isEqualTo(4);
        assertThat(a.terms()).isEqualTo(b.terms());
        for (String w : new String[] {"red", "fox", "grey", "owl", "brown"}) {
            assertThat(a.docFreq(w)).as(w).isEqualTo(b.docFreq(w));
        }
        assertThat(a.docFreq("red")).as("the replaced payload's terms are gone").isZero();
    }

    private static final String[] WORDS = {
        "alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"
    };

    /**
     * Applies the same seeded {@code ops} upserts, replacements and deletes to every collection
     * given (ids from 300, texts from {@link #WORDS}) and returns the live payloads by id.
     */
    private static Map<String, byte[]> randomWrites(
            long seed, int ops, Map<String, byte[]> records, LiveCollection... collections) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int op = 0; op < ops; op++) {
            String id = "p" + random.nextInt(300);
            if (random.nextInt(5) == 0) {
                for (LiveCollection c : collections) {
                    c.delete(id);
                }
                records.remove(id);
                continue;
            }
            StringBuilder text = new StringBuilder();
            for (int w = random.nextInt(6); w >= 0; w--) {
                text.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
            }
            byte[] p = payload("text", text.toString());
            for (LiveCollection c : collections) {
                c.upsert(id, new float[] {op, 0}, p);
            }
            records.put(id, p);
        }
        return records;
    }

    /** Asserts both hold the same statistics, every word's as counted over {@code records}. */
    private static void assertSameCounts(
            TermStatistics a, TermStatistics b, Map<String, byte[]> records) {
        assertThat(a.docs()).isEqualTo(b.docs()).isEqualTo(records.size());
        assertThat(a.totalTerms()).isEqualTo(b.totalTerms());
        assertThat(a.terms()).isEqualTo(b.terms());
        for (String w : WORDS) {
            long expected = 0;
            for (byte[] p : records.values()) {
                // Texts sit between the field's quotes, each word followed by a space.
                String json = new String(p, StandardCharsets.UTF_8).replace('"', ' ');
                expected += json.contains(" " + w + " ") ? 1 : 0;
            }
            assertThat(a.docFreq(w)).as(w).isEqualTo(expected);
            assertThat(b.docFreq(w)).as(w).isEqualTo(expected);
        }
    }

    @Test
    void aRestoreFromTheRecordsGivesTheSameStatisticsAsTheWritesDid() {
        LiveCollection live = collection(BM25, 1000);
        Map<String, byte[]> records = randomWrites(11, 2000, new HashMap<>(), live);
        LiveCollection restored = collection(BM25, 1000);
        records.forEach((id, p) -> restored.putPoint(id, new float[] {0, 0}, p));

        assertSameCounts(live.termStats(), restored.termStats(), records);
    }

    @Test
    void aCollectionWhosePolicyIsNotBm25KeepsNoTermTable() {
        for (String spec : new String[] {PLAIN, EXACT, "{}"}) {
            LiveCollection docs = collection(spec, 100);
            randomWrites(5, 200, new HashMap<>(), docs);
            docs.upsertAll(
                    new String[] {"x", "y"},
                    new float[][] {{0, 1}, {1, 1}},
                    new byte[][] {payload("text", "grey owl"), payload("text", "red fox")});
            docs.putPoint("z", new float[] {2, 2}, payload("text", "brown hen"));
            assertThat(docs.termStats()).as(spec).isNull();
            assertThat(docs.ramBytesUsed()).isPositive();
        }
    }

    @Test
    void turningBm25OnLaterCountsLikeACollectionThatHadItFromTheStart() {
        LiveCollection later = collection(PLAIN, 1000);
        LiveCollection fromStart = collection(BM25, 1000);
        Map<String, byte[]> records = randomWrites(23, 1500, new HashMap<>(), later, fromStart);
        assertThat(later.termStats()).isNull();

        later.setSpec(BM25.getBytes(StandardCharsets.UTF_8), 16);
        assertSameCounts(later.termStats(), fromStart.termStats(), records);

        // The table built at the change is kept current by the writes after it.
        randomWrites(29, 1500, records, later, fromStart);
        assertSameCounts(later.termStats(), fromStart.termStats(), records);
    }

    @Test
    void anIndexSwapWhoseSpecTurnsBm25OnCountsThePointsHeld() {
        LiveCollection later = collection(PLAIN, 1000);
        LiveCollection fromStart = collection(BM25, 1000);
        Map<String, byte[]> records = randomWrites(31, 1000, new HashMap<>(), later, fromStart);

        FlatIndex rebuilt = new FlatIndex(2, Metric.L2);
        later.forEachPoint(rebuilt::upsert);
        later.replaceIndex(rebuilt, BM25.getBytes(StandardCharsets.UTF_8), 16);
        assertSameCounts(later.termStats(), fromStart.termStats(), records);
    }

    @Test
    void turningBm25OffDropsTheTableAndOnAgainRecountsIt() {
        LiveCollection docs = collection(BM25, 1000);
        LiveCollection fromStart = collection(BM25, 1000);
        Map<String, byte[]> records = randomWrites(37, 800, new HashMap<>(), docs, fromStart);
        assertThat(docs.termStats().docs()).isPositive();

        docs.setSpec(EXACT.getBytes(StandardCharsets.UTF_8), 16);
        assertThat(docs.termStats()).isNull();
        randomWrites(41, 800, records, docs, fromStart);
        assertThat(docs.termStats()).as("writes while off count nothing").isNull();

        docs.setSpec(BM25.getBytes(StandardCharsets.UTF_8), 16);
        assertSameCounts(docs.termStats(), fromStart.termStats(), records);
    }

    @Test
    void aSpecNamingAnotherTextFieldRebuildsTheStatisticsFromThePayloads() {
        LiveCollection docs = collection(BM25, 100);
        docs.upsert("a", new float[] {0, 0}, payload("body", "quokka island"));
        docs.upsert("b", new float[] {1, 0}, payload("text", "plain text"));
        assertThat(docs.termStats().docFreq("quokka")).isZero();

        String body =
                "{\"dimension\": 2, \"metric\": \"l2\", \"rerank_policy\": {\"method\": \"bm25\","
                        + " \"text_field\": \"body\"}}";
        docs.setSpec(body.getBytes(StandardCharsets.UTF_8), 16);
        assertThat(docs.termStats().field()).isEqualTo("body");
        assertThat(docs.termStats().docs()).isEqualTo(1);
        assertThat(docs.termStats().docFreq("quokka")).isEqualTo(1);
        assertThat(docs.termStats().docFreq("plain")).isZero();

        LiveCollection fresh = collection(body, 100);
        assertThat(fresh.termStats().field()).isEqualTo("body");
    }

    @Test
    void pastTheTermBoundHeldTermsStayExactAndOthersAreUnknown() {
        LiveCollection docs = collection(BM25, 3);
        docs.upsert("a", new float[] {0, 0}, payload("text", "one two"));
        docs.upsert("b", new float[] {1, 0}, payload("text", "two three"));
        TermStatistics stats = docs.termStats();
        assertThat(stats.full()).isFalse();
        assertThat(stats.docFreq("four")).isZero();

        docs.upsert("c", new float[] {2, 0}, payload("text", "four two one"));
        assertThat(stats.full()).isTrue();
        assertThat(stats.terms()).isEqualTo(3);
        assertThat(stats.docFreq("four")).isEqualTo(TermStatsResponse.UNKNOWN);
        assertThat(stats.docFreq("two")).isEqualTo(3);
        assertThat(stats.docFreq("one")).isEqualTo(2);
        assertThat(stats.docs()).isEqualTo(3);
        assertThat(stats.totalTerms()).isEqualTo(7);

        // A held term no point holds any more is gone for good until a rebuild: unknown, not 0.
        docs.delete("b");
        assertThat(stats.docFreq("three")).isEqualTo(TermStatsResponse.UNKNOWN);
        docs.upsert("d", new float[] {3, 0}, payload("text", "three"));
        assertThat(stats.docFreq("three")).isEqualTo(TermStatsResponse.UNKNOWN);
        assertThat(stats.docFreq("two")).isEqualTo(2);
        assertThat(stats.docs()).isEqualTo(3);
        assertThat(stats.totalTerms()).isEqualTo(6);
    }

    @Test
    void aTermBoundBelowOneIsRefused() {
        assertThatThrownBy(() -> new TermStatistics("text", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxTerms must be >= 1, got 0");
    }
}
