package io.quiver.schemas.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.IndexType;
import io.quiver.schemas.avro.MetricType;
import io.quiver.schemas.avro.Storage;
import io.quiver.schemas.record.UpsertCodec;
import org.junit.jupiter.api.Test;

class CollectionSpecsTest {

    private static JsonNode json(String s) throws Exception {
        return UpsertCodec.mapper().readTree(s);
    }

    @Test
    void minimalSpecGetsDefaultsAndRoundTrips() throws Exception {
        CollectionSpec spec =
                CollectionSpecs.fromJson("docs", json("{\"dimension\":768,\"metric\":\"cosine\"}"));
        assertThat(spec.getDimension()).isEqualTo(768);
        assertThat(spec.getMetric()).isEqualTo(MetricType.COSINE);
        assertThat(spec.getIndex().getType()).isEqualTo(IndexType.HNSW);
        assertThat(spec.getIndex().getM()).isEqualTo(CollectionSpecs.DEFAULT_M);
        assertThat(spec.getIndex().getEfConstruction())
                .isEqualTo(CollectionSpecs.DEFAULT_EF_CONSTRUCTION);
        assertThat(spec.getIndex().getStorage()).isEqualTo(Storage.FLOAT32);
        assertThat(CollectionSpecs.decode("docs", CollectionSpecs.encode(spec))).isEqualTo(spec);
    }

    @Test
    void indexWithoutTypeIsHnswAndFlatStaysAvailable() throws Exception {
        CollectionSpec untyped =
                CollectionSpecs.fromJson(
                        "docs", json("{\"dimension\":4,\"metric\":\"l2\",\"index\":{\"m\":8}}"));
        assertThat(untyped.getIndex().getType()).isEqualTo(IndexType.HNSW);
        CollectionSpec flat =
                CollectionSpecs.fromJson(
                        "docs",
                        json("{\"dimension\":4,\"metric\":\"l2\",\"index\":{\"type\":\"flat\"}}"));
        assertThat(flat.getIndex().getType()).isEqualTo(IndexType.FLAT);
        // A stored spec names its type, so a default change never changes an existing collection.
        assertThat(CollectionSpecs.decode("docs", CollectionSpecs.encode(flat))).isEqualTo(flat);
    }

    @Test
    void acceptsQdrantFormAndIndexParams() throws Exception {
        CollectionSpec spec =
                CollectionSpecs.fromJson(
                        "img",
                        json(
                                "{\"vectors\":{\"size\":4,\"distance\":\"Euclid\"},"
                                        + "\"index\":{\"type\":\"hnsw\",\"m\":8,\"storage\":\"int8\"}}"));
        assertThat(spec.getMetric()).isEqualTo(MetricType.L2);
        assertThat(spec.getIndex().getM()).isEqualTo(8);
        assertThat(spec.getIndex().getStorage()).isEqualTo(Storage.INT8);
    }

    @Test
    void validationMessagesNameTheProblem() {
        bad("docs", "{\"metric\":\"l2\"}", "missing field 'dimension'");
        bad(
                "docs",
                "{\"dimension\":0,\"metric\":\"l2\"}",
                "dimension must be between 1 and 4096, got 0");
        bad(
                "docs",
                "{\"dimension\":3,\"metric\":\"hamming\"}",
                "metric must be 'l2', 'cosine' or 'dot'");
        bad(
                "docs",
                "{\"dimension\":3,\"metric\":\"l2\",\"dimensions\":3}",
                "unknown field 'dimensions'");
        bad(
                "docs",
                "{\"dimension\":3,\"metric\":\"l2\",\"index\":{\"m\":1}}",
                "index.m must be between 2 and 128");
        bad("docs", "{\"dimension\":\"3\",\"metric\":\"l2\"}", "dimension must be an integer");
        bad("bad name", "{\"dimension\":3,\"metric\":\"l2\"}", "collection name 'bad name'");
        bad("docs", "[]", "must be a JSON object");
    }

    @Test
    void rerankPolicyGetsDefaultsAndKeepsUrlAndProtocol() throws Exception {
        CollectionSpec spec =
                CollectionSpecs.fromJson(
                        "docs",
                        json(
                                "{\"dimension\":3,\"metric\":\"l2\",\"rerank_policy\":{\"enabled\":true,"
                                        + "\"method\":\"http\",\"url\":\"http://127.0.0.1:8080/rerank\","
                                        + "\"protocol\":\"cohere\",\"text_field\":\"body\"}}"));
        assertThat(spec.getRerankPolicy().getUrl()).isEqualTo("http://127.0.0.1:8080/rerank");
        assertThat(spec.getRerankPolicy().getProtocol()).isEqualTo("cohere");
        assertThat(spec.getRerankPolicy().getTopN())
                .isEqualTo(CollectionSpecs.DEFAULT_RERANK_TOP_N);
        assertThat(spec.getRerankPolicy().getTimeoutMs())
                .isEqualTo(CollectionSpecs.DEFAULT_RERANK_TIMEOUT_MS);
        assertThat(CollectionSpecs.decode("docs", CollectionSpecs.encode(spec))).isEqualTo(spec);
        JsonNode back = CollectionSpecs.toJson(spec);
        assertThat(back.at("/rerank_policy/url").asText())
                .isEqualTo("http://127.0.0.1:8080/rerank");
        assertThat(back.at("/rerank_policy/protocol").asText()).isEqualTo("cohere");

        CollectionSpec bm25 =
                CollectionSpecs.fromJson(
                        "docs",
                        json(
                                "{\"dimension\":3,\"metric\":\"l2\","
                                        + "\"rerank_policy\":{\"method\":\"bm25\"}}"));
        assertThat(bm25.getRerankPolicy().getProtocol()).isEqualTo("tei");
        assertThat(bm25.getRerankPolicy().getUrl()).isNull();
    }

    @Test
    void rerankPolicyValidationNamesTheField() {
        String head = "{\"dimension\":3,\"metric\":\"l2\",\"rerank_policy\":";
        bad(
                "docs",
                head + "{\"method\":\"http\"}}",
                "rerank_policy.url is required when rerank_policy.method is 'http'");
        bad(
                "docs",
                head + "{\"method\":\"http\",\"url\":\"ftp://x/rerank\"}}",
                "rerank_policy.url must be an absolute http or https URL");
        bad(
                "docs",
                head + "{\"method\":\"http\",\"url\":\"http://x\",\"protocol\":\"grpc\"}}",
                "rerank_policy.protocol must be 'tei' or 'cohere', got 'grpc'");
        bad("docs", head + "{\"top_n\":0}}", "rerank_policy.top_n must be between 1 and");
        bad("docs", head + "{\"method\":\"colbert\"}}", "rerank_policy.method must be");
    }

    private static void bad(String name, String body, String message) {
        assertThatThrownBy(() -> CollectionSpecs.fromJson(name, json(body)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
