package io.quiver.schemas.collection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.schemas.AvroTrust;
import io.quiver.schemas.Limits;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.Consistency;
import io.quiver.schemas.avro.IndexParams;
import io.quiver.schemas.avro.IndexType;
import io.quiver.schemas.avro.MetricType;
import io.quiver.schemas.avro.RerankPolicy;
import io.quiver.schemas.avro.Storage;
import io.quiver.schemas.record.UpsertCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/**
 * Collection specs as JSON: how users write them over HTTP and how they are kept on the collections
 * topic.
 *
 * <p>Accepted body: {@code {"dimension": 768, "metric": "cosine", "index": {"type": "hnsw", "m":
 * 16, "ef_construction": 200, "ef": 64, "storage": "float32"}, "default_consistency": "eventual"}}.
 * Only {@code dimension} and {@code metric} are required; Qdrant's form {@code {"vectors": {"size":
 * 768, "distance": "Cosine"}}} is accepted too. Unknown fields are refused so that a typo never
 * silently falls back to a default.
 */
public final class CollectionSpecs {

    /** Index parameter bounds, enforced on every spec. */
    public static final int MIN_M = 2;

    public static final int MAX_M = 128;
    public static final int MAX_EF = 10_000;

    /**
     * The index type of a spec that names none: HNSW, because a collection is meant to grow past
     * the size where an exact scan answers fast enough; {@code flat} stays available for small or
     * exact-only collections. Specs stored on the collections topic always name their type, so
     * changing this default never changes an existing collection.
     */
    public static final IndexType DEFAULT_INDEX_TYPE = IndexType.HNSW;

    /** Defaults of the index parameters, as in the Avro schema: the common HNSW starting point. */
    public static final int DEFAULT_M = 16;

    public static final int DEFAULT_EF_CONSTRUCTION = 200;
    public static final int DEFAULT_EF = 64;
    public static final int DEFAULT_RERANK_TOP_N = 50;
    public static final int DEFAULT_RERANK_TIMEOUT_MS = 200;

    private static final Set<String> TOP_FIELDS =
            Set.of(
                    "name",
                    "dimension",
                    "metric",
                    "vectors",
                    "index",
                    "default_consistency",
                    "rerank_policy",
                    "created_at_ms");
    private static final Set<String> INDEX_FIELDS =
            Set.of("type", "m", "ef_construction", "ef", "storage");
    private static final Set<String> RERANK_FIELDS =
            Set.of("enabled", "method", "top_n", "timeout_ms", "text_field", "url", "protocol");

    static {
        AvroTrust.ensure();
    }

    private CollectionSpecs() {}

    /**
     * Builds a validated spec for collection {@code name} from a JSON body.
     *
     * @throws IllegalArgumentException naming the first bad or missing field
     */
    public static CollectionSpec fromJson(String name, JsonNode body) {
        Limits.checkCollectionName(name);
        if (body == null || !body.isObject()) {
            throw new IllegalArgumentException("collection spec must be a JSON object");
        }
        checkFields(body, TOP_FIELDS, "collection spec");
        JsonNode vectors = body.get("vectors");
        int dimension;
        MetricType metric;
        if (vectors != null && !vectors.isNull()) {
            checkFields(vectors, Set.of("size", "distance"), "vectors");
            dimension = intField(vectors, "size", null);
            metric = metric(textField(vectors, "distance", null));
        } else {
            dimension = intField(body, "dimension", null);
            metric = metric(textField(body, "metric", null));
        }
        if (dimension < 1 || dimension > Limits.MAX_DIMENSION) {
            throw new IllegalArgumentException(
                    "dimension must be between 1 and "
                            + Limits.MAX_DIMENSION
                            + ", got "
                            + dimension);
        }
        if (body.hasNonNull("name") && !name.equals(body.get("name").asText())) {
            throw new IllegalArgumentException(
                    "body names collection '"
                            + body.get("name").asText()
                            + "' but the path names '"
                            + name
                            + "'");
        }
        return CollectionSpec.newBuilder()
                .setName(name)
                .setDimension(dimension)
                .setMetric(metric)
                .setIndex(index(body.get("index")))
                .setDefaultConsistency(
                        consistency(textField(body, "default_consistency", "eventual")))
                .setRerankPolicy(rerank(body.get("rerank_policy")))
                .setCreatedAtMs(
                        body.hasNonNull("created_at_ms") ? body.get("created_at_ms").asLong() : 0L)
                .build();
    }

    /** The spec as users see it over HTTP and as the collections topic stores it. */
    public static ObjectNode toJson(CollectionSpec spec) {
        ObjectNode root = UpsertCodec.mapper().createObjectNode();
        root.put("name", spec.getName());
        root.put("dimension", spec.getDimension());
        root.put("metric", spec.getMetric().name().toLowerCase(Locale.ROOT));
        ObjectNode index = root.putObject("index");
        IndexParams p = spec.getIndex();
        index.put("type", p.getType().name().toLowerCase(Locale.ROOT));
        index.put("m", p.getM());
        index.put("ef_construction", p.getEfConstruction());
        index.put("ef", p.getEf());
        index.put("storage", p.getStorage().name().toLowerCase(Locale.ROOT));
        root.put(
                "default_consistency",
                spec.getDefaultConsistency().name().toLowerCase(Locale.ROOT));
        RerankPolicy r = spec.getRerankPolicy();
        if (r != null) {
            ObjectNode rn = root.putObject("rerank_policy");
            rn.put("enabled", r.getEnabled());
            rn.put("method", r.getMethod());
            rn.put("top_n", r.getTopN());
            rn.put("timeout_ms", r.getTimeoutMs());
            if (r.getTextField() != null) {
                rn.put("text_field", r.getTextField());
            }
            if (r.getUrl() != null) {
                rn.put("url", r.getUrl());
            }
            rn.put("protocol", r.getProtocol());
        }
        root.put("created_at_ms", spec.getCreatedAtMs());
        return root;
    }

    /** Bytes for the collections topic. */
    public static byte[] encode(CollectionSpec spec) {
        return toJson(spec).toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a value of the collections topic; {@code name} is the record key. */
    public static CollectionSpec decode(String name, byte[] value) {
        JsonNode node;
        try {
            node = UpsertCodec.mapper().readTree(value);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "collection spec for '" + name + "' is not valid JSON: " + e.getMessage(), e);
        }
        return fromJson(name, node);
    }

    private static IndexParams index(JsonNode n) {
        IndexParams.Builder b =
                IndexParams.newBuilder()
                        .setType(DEFAULT_INDEX_TYPE)
                        .setM(DEFAULT_M)
                        .setEfConstruction(DEFAULT_EF_CONSTRUCTION)
                        .setEf(DEFAULT_EF)
                        .setStorage(Storage.FLOAT32);
        if (n == null || n.isNull()) {
            return b.build();
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException("index must be a JSON object");
        }
        checkFields(n, INDEX_FIELDS, "index");
        String type = textField(n, "type", DEFAULT_INDEX_TYPE.name()).toUpperCase(Locale.ROOT);
        try {
            b.setType(IndexType.valueOf(type));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "index.type must be 'flat' or 'hnsw', got '"
                            + type.toLowerCase(Locale.ROOT)
                            + "'");
        }
        int m = intField(n, "m", b.getM());
        if (m < MIN_M || m > MAX_M) {
            throw new IllegalArgumentException(
                    "index.m must be between " + MIN_M + " and " + MAX_M + ", got " + m);
        }
        int efc = intField(n, "ef_construction", b.getEfConstruction());
        if (efc < 1 || efc > MAX_EF) {
            throw new IllegalArgumentException(
                    "index.ef_construction must be between 1 and " + MAX_EF + ", got " + efc);
        }
        int ef = intField(n, "ef", b.getEf());
        if (ef < 1 || ef > MAX_EF) {
            throw new IllegalArgumentException(
                    "index.ef must be between 1 and " + MAX_EF + ", got " + ef);
        }
        String storage = textField(n, "storage", "float32").toUpperCase(Locale.ROOT);
        try {
            b.setStorage(Storage.valueOf(storage));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "index.storage must be 'float32' or 'int8', got '"
                            + storage.toLowerCase(Locale.ROOT)
                            + "'");
        }
        return b.setM(m).setEfConstruction(efc).setEf(ef).build();
    }

    private static RerankPolicy rerank(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException("rerank_policy must be a JSON object");
        }
        checkFields(n, RERANK_FIELDS, "rerank_policy");
        RerankPolicy.Builder b =
                RerankPolicy.newBuilder()
                        .setEnabled(false)
                        .setMethod("exact")
                        .setTopN(DEFAULT_RERANK_TOP_N)
                        .setTimeoutMs(DEFAULT_RERANK_TIMEOUT_MS);
        if (n.has("enabled")) {
            if (!n.get("enabled").isBoolean()) {
                throw new IllegalArgumentException("rerank_policy.enabled must be true or false");
            }
            b.setEnabled(n.get("enabled").booleanValue());
        }
        String method = textField(n, "method", b.getMethod());
        if (!Set.of("exact", "bm25", "http").contains(method)) {
            throw new IllegalArgumentException(
                    "rerank_policy.method must be 'exact', 'bm25' or 'http', got '" + method + "'");
        }
        int topN = intField(n, "top_n", b.getTopN());
        if (topN < 1 || topN > Limits.MAX_SEARCH_LIMIT) {
            throw new IllegalArgumentException(
                    "rerank_policy.top_n must be between 1 and "
                            + Limits.MAX_SEARCH_LIMIT
                            + ", got "
                            + topN);
        }
        int timeout = intField(n, "timeout_ms", b.getTimeoutMs());
        if (timeout < 1 || timeout > 60_000) {
            throw new IllegalArgumentException(
                    "rerank_policy.timeout_ms must be between 1 and 60000, got " + timeout);
        }
        String protocol = textField(n, "protocol", "tei");
        if (!Set.of("tei", "cohere").contains(protocol)) {
            throw new IllegalArgumentException(
                    "rerank_policy.protocol must be 'tei' or 'cohere', got '" + protocol + "'");
        }
        String url = textField(n, "url", null);
        if (url != null) {
            checkRerankUrl(url);
        } else if (method.equals("http")) {
            throw new IllegalArgumentException(
                    "rerank_policy.url is required when rerank_policy.method is 'http'");
        }
        return b.setMethod(method)
                .setTopN(topN)
                .setTimeoutMs(timeout)
                .setTextField(textField(n, "text_field", null))
                .setUrl(url)
                .setProtocol(protocol)
                .build();
    }

    /** An external reranker's address: an absolute http or https URL with a host. */
    private static void checkRerankUrl(String url) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(
                    "rerank_policy.url is not a valid URL: '" + url + "'");
        }
        String scheme = uri.getScheme();
        if (scheme == null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "rerank_policy.url must be an absolute http or https URL, got '" + url + "'");
        }
    }

    private static MetricType metric(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "l2":
            case "euclid":
            case "euclidean":
                return MetricType.L2;
            case "cosine":
                return MetricType.COSINE;
            case "dot":
                return MetricType.DOT;
            default:
                throw new IllegalArgumentException(
                        "metric must be 'l2', 'cosine' or 'dot', got '" + s + "'");
        }
    }

    private static Consistency consistency(String s) {
        try {
            return Consistency.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "default_consistency must be 'eventual', 'session' or 'strong', got '"
                            + s
                            + "'");
        }
    }

    private static void checkFields(JsonNode node, Set<String> allowed, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new IllegalArgumentException(
                        "unknown field '" + f + "' in " + where + "; allowed: " + allowed);
            }
        }
    }

    private static int intField(JsonNode node, String field, Integer dflt) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            if (dflt == null) {
                throw new IllegalArgumentException("missing field '" + field + "'");
            }
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw new IllegalArgumentException(field + " must be an integer, got " + n);
        }
        return n.intValue();
    }

    private static String textField(JsonNode node, String field, String dflt) {
        JsonNode n = node.get(field);
        if (n == null || n.isNull()) {
            if (dflt == null && !field.equals("text_field") && !field.equals("url")) {
                throw new IllegalArgumentException("missing field '" + field + "'");
            }
            return dflt;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string, got " + n);
        }
        return n.textValue();
    }
}
