package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RoutingTest {

    private final HttpFixture f = new HttpFixture();

    @Test
    void healthzAnswersOk() {
        HttpExchange.Response r = f.http.send("GET", "/healthz", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
        assertThat(r.headers()).containsEntry("content-type", "application/json");
    }

    @Test
    void unknownPathIs404Json() {
        HttpExchange.Response r = f.http.send("GET", "/nope/nothing", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("status").asText()).isEqualTo("error");
        assertThat(r.errorCode()).isEqualTo("not_found");
        assertThat(r.errorMessage()).contains("/nope/nothing");
    }

    @Test
    void wrongMethodIs405WithAllowHeader() {
        HttpExchange.Response r = f.http.send("DELETE", "/collections/docs/points/search", null);
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.errorCode()).isEqualTo("method_not_allowed");
        assertThat(r.errorMessage()).contains("DELETE").contains("POST");
        assertThat(r.headers()).containsEntry("allow", "POST");
    }

    @Test
    void collectionPathAllowsGetAndPut() {
        HttpExchange.Response r = f.http.send("POST", "/collections/docs", "{}");
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.headers().get("allow")).contains("GET").contains("PUT");
    }

    @Test
    void invalidCollectionNameIs422() {
        HttpExchange.Response r = f.http.send("GET", "/collections/bad%20name", null);
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("invalid_collection_name");
        assertThat(r.errorMessage()).contains("bad name");
    }

    @Test
    void trailingSlashAndQueryStringAreIgnored() {
        HttpExchange.Response r = f.http.send("GET", "/collections/docs/?x=1", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/name").asText()).isEqualTo("docs");
    }

    @Test
    void readyzIs200WhenEveryShardIsReady() {
        HttpExchange.Response r = f.http.send("GET", "/readyz", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/ready").asInt()).isEqualTo(4);
        assertThat(r.json().at("/result/not_ready")).isEmpty();
    }

    @Test
    void readyzIs503WhileTheCatalogLoads() {
        HttpExchange.Response r = new HttpFixture(false).http.send("GET", "/readyz", null);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().get("status").asText()).isEqualTo("not_ready");
        assertThat(r.json().at("/result/catalog_loaded").asBoolean()).isFalse();
    }

    @Test
    void malformedRequestLineIs400() {
        io.netty.buffer.ByteBuf raw =
                io.netty.buffer.Unpooled.copiedBuffer(
                        "GET /" + "x".repeat(10_000) + " HTTP/1.1\r\n\r\n",
                        java.nio.charset.StandardCharsets.US_ASCII);
        HttpExchange.Response r = f.http.exchange(raw);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("malformed_request");
    }

    @Test
    void badPercentEncodingIs400() {
        HttpExchange.Response path = f.http.send("GET", "/collections/docs/points/%zz", null);
        assertThat(path.status()).isEqualTo(400);
        assertThat(path.errorCode()).isEqualTo("malformed_uri");
        assertThat(path.errorMessage()).startsWith("cannot decode the request URI: ");
        HttpExchange.Response query =
                f.http.send("PUT", "/collections/docs/points?wait=%zz", "{\"points\":[]}");
        assertThat(query.status()).isEqualTo(400);
        assertThat(query.errorCode()).isEqualTo("malformed_uri");
    }
}
