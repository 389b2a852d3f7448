package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.testing.FakeTopicWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeleteCollectionTest {

    private final HttpFixture f = new HttpFixture();

    @Test
    void writesATombstoneAndAnswersOnceTheCatalogHasIt() {
        HttpExchange.Response r = f.http.send("DELETE", "/collections/geo", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
        assertThat(r.json().get("result").asBoolean()).isTrue();
        FakeTopicWriter.Written w = f.writer.written().get(0);
        assertThat(w.topic()).isEqualTo("quiver.collections");
        assertThat(new String(w.entry().key(), StandardCharsets.UTF_8)).isEqualTo("geo");
        assertThat(w.entry().value()).isNull();
        assertThat(f.catalog.get("geo")).isEmpty();
        assertThat(f.http.send("GET", "/collections/geo", null).status()).isEqualTo(404);
        assertThat(f.http.send("DELETE", "/collections/geo", null).errorCode())
                .isEqualTo("collection_not_found");
    }

    @Test
    void theCollectionCanBeCreatedAgainAfterwards() {
        assertThat(f.http.send("DELETE", "/collections/geo", null).status()).isEqualTo(200);
        HttpExchange.Response again =
                f.http.send("PUT", "/collections/geo", "{\"dimension\":3,\"metric\":\"dot\"}");
        assertThat(again.status()).isEqualTo(200);
        assertThat(f.catalog.get("geo").orElseThrow().getDimension()).isEqualTo(3);
    }

    @Test
    void unknownCollectionIs404AndNothingIsWritten() {
        HttpExchange.Response r = f.http.send("DELETE", "/collections/none", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("collection_not_found");
        assertThat(f.writer.written()).isEmpty();
    }

    @Test
    void whileTheCatalogLoadsItIs503() {
        HttpFixture loading = new HttpFixture(false);
        HttpExchange.Response r = loading.http.send("DELETE", "/collections/x", null);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("catalog_loading");
    }

    @Test
    void kafkaTimeoutIs503NamingTheDeletion() {
        f.writer.hang();
        HttpExchange.Response r = f.http.send("DELETE", "/collections/geo", null);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("kafka_timeout");
        assertThat(r.errorMessage())
                .isEqualTo(
                        "the deletion of 'geo' was not acknowledged within 300 ms; it may have been"
                                + " applied in part, and retrying is safe");
        assertThat(f.catalog.get("geo")).isPresent();
    }
}
