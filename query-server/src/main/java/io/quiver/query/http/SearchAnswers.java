package io.quiver.query.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quiver.query.internal.Json;
import io.quiver.query.search.Hit;
import io.quiver.query.search.SearchQuery;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The answers of {@code points/search} and {@code points/search/batch}, written with one streaming
 * generator instead of a tree serialized afterwards: building and walking a node per field was a
 * visible part of a small search's cost. The bytes are those the tree gave, field for field.
 */
final class SearchAnswers {

    private SearchAnswers() {}

    /**
     * {@code {"status":"ok","time_ms":..,"result":[..],"reranked":..,"rerank_reason":..,
     * "partial":..,"missing_shards":[..]}}, {@code rerank_reason} only when there is one.
     */
    static HttpAnswer single(HttpCall call, SearchQuery query, SearchHandler.Ranked ranked) {
        return encode(
                call,
                512,
                ranked.outcome().missingShards(),
                g -> {
                    hits(g, query, ranked);
                    g.writeBooleanField("reranked", ranked.reranked());
                    if (ranked.rerankReason() != null) {
                        g.writeStringField("rerank_reason", ranked.rerankReason());
                    }
                });
    }

    /**
     * {@code {"status":"ok","time_ms":..,"result":[[..],..],"reranked":[..],"rerank_reasons":[..],
     * "partial":..,"missing_shards":[..]}}: one result array per search, in the order asked, and
     * every search's missing shards once, ascending.
     */
    static HttpAnswer batch(
            HttpCall call, List<SearchHandler.Prepared> prepared, List<SearchHandler.Ranked> all) {
        TreeSet<Integer> missing = new TreeSet<>();
        all.forEach(ranked -> missing.addAll(ranked.outcome().missingShards()));
        return encode(
                call,
                2048,
                missing,
                g -> {
                    g.writeStartArray();
                    for (int i = 0; i < prepared.size(); i++) {
                        hits(g, prepared.get(i).query(), all.get(i));
                    }
                    g.writeEndArray();
                    g.writeFieldName("reranked");
                    g.writeStartArray();
                    for (SearchHandler.Ranked ranked : all) {
                        g.writeBoolean(ranked.reranked());
                    }
                    g.writeEndArray();
                    g.writeFieldName("rerank_reasons");
                    g.writeStartArray();
                    for (SearchHandler.Ranked ranked : all) {
                        g.writeString(ranked.rerankReason());
                    }
                    g.writeEndArray();
                });
    }

    /** Writes the fields from {@code result} on, after the field name {@code result}. */
    @FunctionalInterface
    private interface Results {
        void write(JsonGenerator g) throws IOException;
    }

    /** The answer around {@code results}: status and time first, partial and missing last. */
    private static HttpAnswer encode(
            HttpCall call, int sizeHint, Collection<Integer> missing, Results results) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(sizeHint);
                JsonGenerator g = Json.MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("status", "ok");
            g.writeNumberField("time_ms", call.millisSinceStart());
            g.writeFieldName("result");
            results.write(g);
            g.writeBooleanField("partial", !missing.isEmpty());
            g.writeFieldName("missing_shards");
            g.writeStartArray();
            for (int shard : missing) {
                g.writeNumber(shard);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            return new HttpAnswer(HttpResponseStatus.OK, out.toByteArray(), Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode a search answer", e);
        }
    }

    /** One search's hits as an array of {@code {id, score, rerank_score?, payload?, vector?}}. */
    private static void hits(JsonGenerator g, SearchQuery query, SearchHandler.Ranked ranked)
            throws IOException {
        List<Hit> hits = ranked.outcome().hits();
        g.writeStartArray();
        for (int i = 0; i < hits.size(); i++) {
            Hit h = hits.get(i);
            g.writeStartObject();
            g.writeStringField("id", h.id());
            g.writeNumberField("score", h.score());
            float rerankScore = ranked.rerankScores()[i];
            if (Float.isFinite(rerankScore)) {
                g.writeNumberField("rerank_score", rerankScore);
            }
            if (query.withPayload()) {
                g.writeFieldName("payload");
                g.writeTree(Payloads.toJson(h.payload()));
            }
            if (query.withVector()) {
                g.writeFieldName("vector");
                if (h.vector() == null) {
                    // Deleted between the search and the vector lookup on its shard.
                    g.writeNull();
                } else {
                    g.writeStartArray();
                    for (float f : h.vector()) {
                        g.writeNumber(f);
                    }
                    g.writeEndArray();
                }
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
