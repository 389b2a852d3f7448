package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.testing.FakeTopicWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CollectionEndpointsTest {

    private final HttpFixture f = new HttpFixture();

    @Test
    void createsACollectionAndAnswersOnceTheCatalogHasIt() {
        HttpExchange.Response r =
                f.http.send("PUT", "/collections/news", "{\"dimension\":8,\"metric\":\"dot\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
        assertThat(r.json().at("/result/name").asText()).isEqualTo("news");
        assertThat(r.json().at("/result/dimension").asInt()).isEqualTo(8);
        assertThat(r.json().at("/result/metric").asText()).isEqualTo("dot");
        assertThat(f.catalog.get("news")).isPresent();

        FakeTopicWriter.Written w = f.writer.written().get(0);
        assertThat(w.topic()).isEqualTo("quiver.collections");
        assertThat(new String(w.entry().key(), StandardCharsets.UTF_8)).isEqualTo("news");
        assertThat(new String(w.entry().value(), StandardCharsets.UTF_8))
                .contains("\"dimension\":8");
    }

    @Test
    void acceptsQdrantsVectorsForm() {
        HttpExchange.Response r =
                f.http.send(
                        "PUT",
                        "/collections/qd",
                        "{\"vectors\":{\"size\":3,\"distance\":\"Cosine\"}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/metric").asText()).isEqualTo("cosine");
    }

    @Test
    void recreatingWithTheSameSpecIsANoOp() {
        HttpExchange.Response r =
                f.http.send("PUT", "/collections/docs", "{\"dimension\":4,\"metric\":\"cosine\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(f.writer.written()).isEmpty();
    }

    @Test
    void recreatingWithAnotherSpecIs409() {
        HttpExchange.Response r =
                f.http.send("PUT", "/collections/docs", "{\"dimension\":5,\"metric\":\"cosine\"}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.errorCode()).isEqualTo("collection_exists");
        assertThat(r.errorMessage()).contains("'docs' already exists");
    }

    @Test
    void malformedJsonIs400() {
        HttpExchange.Response r = f.http.send("PUT", "/collections/x", "{\"dimension\": 4,");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("malformed_json");
        assertThat(r.errorMessage()).startsWith("malformed JSON at line 1");
    }

    @Test
    void emptyBodyIs400() {
        HttpExchange.Response r = f.http.send("PUT", "/collections/x", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("empty_body");
    }

    @Test
    void nonObjectBodyIs400() {
        HttpExchange.Response r = f.http.send("PUT", "/collections/x", "[1,2]");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("wrong_type");
        assertThat(r.errorMessage()).contains("must be a JSON object, got array");
    }

    @Test
    void invalidSpecIs422NamingTheField() {
        HttpExchange.Response r =
                f.http.send("PUT", "/collections/x", "{\"dimension\":0,\"metric\":\"cosine\"}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("invalid_spec");
        assertThat(r.errorMessage()).contains("dimension must be between 1 and 4096, got 0");

        r = f.http.send("PUT", "/collections/x", "{\"dimension\":3,\"metric\":\"hamming\"}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorMessage()).contains("metric must be 'l2', 'cosine' or 'dot'");

        r = f.http.send("PUT", "/collections/x", "{\"dimenson\":3,\"metric\":\"l2\"}");
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorMessage()).contains("unknown field 'dimenson'");
    }

    @Test
    void kafkaTimeoutIs503() {
        f.writer.hang();
        HttpExchange.Response r =
                f.http.send("PUT", "/collections/x", "{\"dimension\":3,\"metric\":\"l2\"}");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("kafka_timeout");
        assertThat(r.errorMessage()).contains("not acknowledged within 300 ms");
    }

    @Test
    void kafkaFailureIs503() {
        f.writer.failWith(new IllegalStateException("broker gone"));
        HttpExchange.Response r =
                f.http.send("PUT", "/collections/x", "{\"dimension\":3,\"metric\":\"l2\"}");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("kafka_unavailable");
        assertThat(r.errorMessage()).contains("broker gone");
    }

    @Test
    void getsACollection() {
        HttpExchange.Response r = f.http.send("GET", "/collections/geo", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/dimension").asInt()).isEqualTo(2);
        assertThat(r.json().at("/result/metric").asText()).isEqualTo("l2");
    }

    @Test
    void unknownCollectionIs404() {
        HttpExchange.Response r = f.http.send("GET", "/collections/nothing", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("collection_not_found");
        assertThat(r.errorMessage()).isEqualTo("collection 'nothing' does not exist");
    }

    @Test
    void unknownCollectionIs503WhileTheCatalogLoads() {
        HttpExchange.Response r = new HttpFixture(false).http.send("GET", "/collections/x", null);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("catalog_loading");
    }

    @Test
    void listsCollectionsByName() {
        HttpExchange.Response r = f.http.send("GET", "/collections", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/collections/0/name").asText()).isEqualTo("docs");
        assertThat(r.json().at("/result/collections/1/name").asText()).isEqualTo("geo");
    }
}
