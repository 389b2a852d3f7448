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

    private static final String PLAIN = "{\"dimension\": 2, \"metric\": \"l2\"}";

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
        LiveCollection docs = collection(PLAIN, 100);
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
        LiveCollection batched = collection(PLAIN, 100);
        LiveCollection single = collection(PLAIN, 100);
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

    @Test
    void aRestoreFromTheRecordsGivesTheSameStatisticsAsTheWritesDid() {
        SplittableRandom random = new SplittableRandom(11);
        String[] words = {"alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta"};
        LiveCollection live = collection(PLAIN, 1000);
        Map<String, byte[]> records = new HashMap<>();
        for (int op = 0; op < 2000; op++) {
            String id = "p" + random.nextInt(300);
            if (random.nextInt(5) == 0) {
                live.delete(id);
                records.remove(id);
                continue;
            }
            StringBuilder text = new StringBuilder();
            for (int w = random.nextInt(6); w >= 0; w--) {
                text.append(words[random.nextInt(words.length)]).append(' ');
            }
            byte[] p = payload("text", text.toString());
            live.upsert(id, new float[] {op, 0}, p);
            records.put(id, p);
        }
        LiveCollection restored = collection(PLAIN, 1000);
        records.forEach((id, p) -> restored.putPoint(id, new float[] {0, 0}, p));

        TermStatistics a = live.termStats();
        TermStatistics b = restored.termStats();
        assertThat(a.docs()).isEqualTo(records.size());
        assertThat(a.totalTerms()).isEqualTo(b.totalTerms());
        for (String w : words) {
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
    void aSpecNamingAnotherTextFieldRebuildsTheStatisticsFromThePayloads() {
        LiveCollection docs = collection(PLAIN, 100);
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
        LiveCollection docs = collection(PLAIN, 3);
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
