package io.quiver.query.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.query.rerank.Fusion;
import io.quiver.query.rerank.RerankEndpoint;
import io.quiver.query.rerank.RerankMethod;
import io.quiver.query.rerank.RerankPlan;
import io.quiver.schemas.Limits;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.RerankPolicy;
import io.quiver.schemas.collection.CollectionSpecs;
import java.net.URI;
import java.util.Iterator;
import java.util.Set;

/**
 * Resolves a search's {@code rerank} field against its collection's {@code rerank_policy}.
 *
 * <ul>
 *   <li>absent or null: the policy decides; when it is enabled the search is reranked with the
 *       policy's method and {@code top_n} — but a search without {@code rerank.query_text} has no
 *       text to rerank by, so it answers {@code reranked: false} ({@code no_query_text});
 *   <li>{@code false}: never rerank this search;
 *   <li>an object {@code {query_text, top_n, method}}: rerank this search (even when the policy is
 *       disabled or absent), each field overriding the policy's.
 * </ul>
 *
 * Every problem is 422 {@code invalid_rerank} naming the field.
 */
final class RerankRequests {

    private static final Set<String> FIELDS =
            Set.of("query_text", "top_n", "method", "fusion", "weight");
    private static final String CODE = "invalid_rerank";

    private RerankRequests() {}

    static RerankPlan plan(JsonNode node, CollectionSpec spec) {
        RerankPolicy policy = spec.getRerankPolicy();
        if (node == null || node.isNull()) {
            return policy != null && policy.getEnabled()
                    ? RerankPlan.skip(RerankPlan.REASON_NO_QUERY_TEXT)
                    : RerankPlan.skip(RerankPlan.REASON_NOT_REQUESTED);
        }
        if (node.isBoolean() && !node.booleanValue()) {
            return RerankPlan.skip(RerankPlan.REASON_DISABLED);
        }
        if (!node.isObject()) {
            throw invalid("'rerank' must be false or an object, got " + JsonBodies.type(node));
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw invalid(
                        "unknown field 'rerank." + f + "'; allowed: method, query_text, top_n");
            }
        }
        RerankMethod method = method(node.get("method"), policy);
        int topN = topN(node.get("top_n"), policy);
        String text = queryText(node.get("query_text"));
        RerankEndpoint endpoint = null;
        if (method == RerankMethod.HTTP) {
            if (policy == null || policy.getUrl() == null) {
                throw invalid(
                        "'rerank.method' 'http' needs rerank_policy.url on collection '"
                                + spec.getName()
                                + "'");
            }
            try {
                endpoint =
                        new RerankEndpoint(
                                URI.create(policy.getUrl()),
                                RerankEndpoint.Protocol.parse(policy.getProtocol()));
            } catch (IllegalArgumentException e) {
                // Specs from the collections topic may come from other writers than this server.
                throw invalid(
                        "collection '"
                                + spec.getName()
                                + "' has an unusable rerank_policy: "
                                + e.getMessage());
            }
        }
        Fusion fusion = fusion(node.get("fusion"), method);
        float weight = weight(node.get("weight"), method, fusion);
        if (text.isBlank()) {
            return RerankPlan.skip(RerankPlan.REASON_NO_QUERY_TEXT);
        }
        int timeoutMs =
                policy != null ? policy.getTimeoutMs() : CollectionSpecs.DEFAULT_RERANK_TIMEOUT_MS;
        String field =
                policy != null && policy.getTextField() != null
                        ? policy.getTextField()
                        : RerankPlan.DEFAULT_TEXT_FIELD;
        return new RerankPlan(
                method,
                text,
                RerankPlan.effectiveTopN(topN, text.length()),
                timeoutMs,
                field,
                endpoint,
                fusion,
                weight,
                null);
    }

    private static Fusion fusion(JsonNode n, RerankMethod method) {
        if (n == null || n.isNull()) {
            return Fusion.RRF;
        }
        if (method != RerankMethod.BM25) {
            throw invalid("'rerank.fusion' applies to method 'bm25' only");
        }
        if (!n.isTextual()) {
            throw invalid("'rerank.fusion' must be a string, got " + JsonBodies.type(n));
        }
        try {
            return Fusion.parse(n.textValue());
        } catch (IllegalArgumentException e) {
            throw invalid("'rerank.fusion' " + e.getMessage());
        }
    }

    private static float weight(JsonNode n, RerankMethod method, Fusion fusion) {
        if (n == null || n.isNull()) {
            return Fusion.DEFAULT_WEIGHT;
        }
        if (method != RerankMethod.BM25 || fusion != Fusion.WEIGHTED) {
            throw invalid("'rerank.weight' applies to method 'bm25' with fusion 'weighted' only");
        }
        if (!n.isNumber() || !(n.doubleValue() >= 0 && n.doubleValue() <= 1)) {
            throw invalid("'rerank.weight' must be a number between 0 and 1, got " + n);
        }
        return n.floatValue();
    }

    private static RerankMethod method(JsonNode n, RerankPolicy policy) {
        if (n == null || n.isNull()) {
            return RerankMethod.parse(policy != null ? policy.getMethod() : "exact");
        }
        if (!n.isTextual()) {
            throw invalid("'rerank.method' must be a string, got " + JsonBodies.type(n));
        }
        try {
            return RerankMethod.parse(n.textValue());
        } catch (IllegalArgumentException e) {
            throw invalid("'rerank.method' " + e.getMessage());
        }
    }

    private static int topN(JsonNode n, RerankPolicy policy) {
        if (n == null || n.isNull()) {
            return policy != null ? policy.getTopN() : CollectionSpecs.DEFAULT_RERANK_TOP_N;
        }
        if (!n.isIntegralNumber()
                || !n.canConvertToInt()
                || n.intValue() < 1
                || n.intValue() > Limits.MAX_SEARCH_LIMIT) {
            throw invalid(
                    "'rerank.top_n' must be an integer between 1 and "
                            + Limits.MAX_SEARCH_LIMIT
                            + ", got "
                            + n);
        }
        return n.intValue();
    }

    private static String queryText(JsonNode n) {
        if (n == null || n.isNull()) {
            return "";
        }
        if (!n.isTextual()) {
            throw invalid("'rerank.query_text' must be a string, got " + JsonBodies.type(n));
        }
        if (n.textValue().length() > MAX_QUERY_TEXT_CHARS) {
            throw invalid(
                    "'rerank.query_text' may hold at most "
                            + MAX_QUERY_TEXT_CHARS
                            + " characters, got "
                            + n.textValue().length());
        }
        return n.textValue();
    }

    /** Longer texts are documents, not queries; a cross-encoder truncates them anyway. */
    static final int MAX_QUERY_TEXT_CHARS = 8192;

    private static InvalidRequestException invalid(String message) {
        return new InvalidRequestException(CODE, message);
    }
}
