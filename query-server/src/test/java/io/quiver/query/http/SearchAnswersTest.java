package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpMethod;
import io.quiver.query.consistency.ReadConsistency;
import io.quiver.query.internal.Json;
import io.quiver.query.rerank.RerankPlan;
import io.quiver.query.search.Hit;
import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The streamed answers are byte for byte what the tree the endpoints built before gave. */
class SearchAnswersTest {

    private static final HttpCall CALL =
            new HttpCall(
                    HttpMethod.POST, "/collections/c/points/search", "c", null, System.nanoTime());

    private static SearchQuery query(boolean withPayload, boolean withVector) {
        return new SearchQuery(
                "c",
                new float[] {1, 2},
                3,
                0,
                0,
                withPayload,
                withVector,
                null,
                1000,
                Map.of(),
                null,
                false);
    }

    private static List<Hit> hits() {
        return List.of(
                new Hit(
                        "a",
                        0.125f,
                        "{\"t\":\"x\",\"n\":[1,2.5]}".getBytes(StandardCharsets.UTF_8),
                        0,
                        new float[] {1.5f, -0f, 3e-7f}),
                new Hit("b\"é\n", 1e-9f, null, 1, null),
                new Hit(
                        "c",
                        Float.MAX_VALUE,
                        "not json".getBytes(StandardCharsets.UTF_8),
                        2,
                        new float[0]));
    }

    private static SearchHandler.Ranked ranked(
            List<Integer> missing, float[] rerank, String reason) {
        return new SearchHandler.Ranked(
                new SearchOutcome(hits(), 3, missing), rerank, rerank[0] == rerank[0], reason);
    }

    @Test
    void aSearchAnswerIsWhatTheTreeGave() {
        float nan = Float.NaN;
        List<SearchHandler.Ranked> cases =
                List.of(
                        ranked(List.of(), new float[] {nan, nan, nan}, null),
                        ranked(List.of(1, 4), new float[] {nan, nan, nan}, "no reranker"),
                        ranked(List.of(0), new float[] {0.5f, nan, 2f}, null));
        for (SearchHandler.Ranked r : cases) {
            for (boolean payload : new boolean[] {false, true}) {
                for (boolean vector : new boolean[] {false, true}) {
                    SearchQuery q = query(payload, vector);
                    assertThat(text(SearchAnswers.single(CALL, q, r)))
                            .isEqualTo(text(treeAnswer(q, r)));
                }
            }
        }
    }

    @Test
    void aBatchAnswerIsWhatTheTreeGave() {
        float nan = Float.NaN;
        List<SearchHandler.Prepared> prepared = new ArrayList<>();
        List<SearchHandler.Ranked> ranked = new ArrayList<>();
        prepared.add(prepared(query(true, false)));
        ranked.add(ranked(List.of(3), new float[] {nan, nan, nan}, null));
        prepared.add(prepared(query(false, true)));
        ranked.add(ranked(List.of(1, 3), new float[] {1f, 2f, 3f}, "why not"));
        assertThat(text(SearchAnswers.batch(CALL, prepared, ranked)))
                .isEqualTo(text(treeBatch(prepared, ranked)));
        prepared.remove(0);
        ranked.remove(0);
        assertThat(text(SearchAnswers.batch(CALL, prepared, ranked)))
                .isEqualTo(text(treeBatch(prepared, ranked)));
    }

    private static SearchHandler.Prepared prepared(SearchQuery q) {
        return new SearchHandler.Prepared(
                q, ReadConsistency.EVENTUAL, RerankPlan.skip("not asked"));
    }

    /** The answer's text, time_ms aside (it moves between the two encodings). */
    private static String text(HttpAnswer a) {
        assertThat(a.status().code()).isEqualTo(200);
        String text = new String(a.body(), StandardCharsets.UTF_8);
        assertThat(text).containsPattern("^\\{\"status\":\"ok\",\"time_ms\":[0-9.E-]+,");
        return text.replaceFirst("\"time_ms\":[0-9.E-]+,", "");
    }

    // The encoding the endpoints used before, as the reference.

    private static HttpAnswer treeAnswer(SearchQuery query, SearchHandler.Ranked ranked) {
        SearchOutcome outcome = ranked.outcome();
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", "ok");
        body.put("time_ms", CALL.millisSinceStart());
        body.set("result", treeHits(query, ranked));
        body.put("reranked", ranked.reranked());
        if (ranked.rerankReason() != null) {
            body.put("rerank_reason", ranked.rerankReason());
        }
        body.put("partial", outcome.partial());
        ArrayNode missing = body.putArray("missing_shards");
        outcome.missingShards().forEach(missing::add);
        return HttpAnswer.ok(body);
    }

    private static HttpAnswer treeBatch(
            List<SearchHandler.Prepared> prepared, List<SearchHandler.Ranked> outcomes) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", "ok");
        body.put("time_ms", CALL.millisSinceStart());
        ArrayNode result = body.putArray("result");
        ArrayNode reranked = Json.MAPPER.createArrayNode();
        ArrayNode reasons = Json.MAPPER.createArrayNode();
        TreeSet<Integer> missing = new TreeSet<>();
        for (int i = 0; i < prepared.size(); i++) {
            SearchHandler.Ranked ranked = outcomes.get(i);
            result.add(treeHits(prepared.get(i).query(), ranked));
            reranked.add(ranked.reranked());
            if (ranked.rerankReason() == null) {
                reasons.addNull();
            } else {
                reasons.add(ranked.rerankReason());
            }
            missing.addAll(ranked.outcome().missingShards());
        }
        body.set("reranked", reranked);
        body.set("rerank_reasons", reasons);
        body.put("partial", !missing.isEmpty());
        ArrayNode m = body.putArray("missing_shards");
        missing.forEach(m::add);
        return HttpAnswer.ok(body);
    }

    private static ArrayNode treeHits(SearchQuery query, SearchHandler.Ranked ranked) {
        ArrayNode result = Json.MAPPER.createArrayNode();
        List<Hit> hits = ranked.outcome().hits();
        for (int i = 0; i < hits.size(); i++) {
            Hit h = hits.get(i);
            ObjectNode hit = result.addObject();
            hit.put("id", h.id());
            hit.put("score", h.score());
            float rerankScore = ranked.rerankScores()[i];
            if (Float.isFinite(rerankScore)) {
                hit.put("rerank_score", rerankScore);
            }
            if (query.withPayload()) {
                hit.set("payload", Payloads.toJson(h.payload()));
            }
            if (query.withVector()) {
                if (h.vector() == null) {
                    hit.putNull("vector");
                } else {
                    ArrayNode v = hit.putArray("vector");
                    for (float f : h.vector()) {
                        v.add(f);
                    }
                }
            }
        }
        return result;
    }
}
