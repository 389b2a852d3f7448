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
        assertThat(spec.getIndex().getType()).isEqualTo(IndexType.FLAT);
        assertThat(CollectionSpecs.decode("docs", CollectionSpecs.encode(spec))).isEqualTo(spec);
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

    private static void bad(String name, String body, String message) {
        assertThatThrownBy(() -> CollectionSpecs.fromJson(name, json(body)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }
}
