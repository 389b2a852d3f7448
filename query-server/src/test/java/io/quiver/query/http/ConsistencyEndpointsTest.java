package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.search.SearchOutcome;
import io.quiver.query.search.SearchQuery;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsistencyEndpointsTest {

    private final HttpFixture f = new HttpFixture();

    private static final String POINTS =
            "{\"points\":[{\"id\":\"a\",\"vector\":[1,0,0,0]},{\"id\":\"b\",\"vector\":[0,1,0,0]}]}";

    @Test
    void writeWithoutWaitIsAcknowledgedWithoutAskingTheShards() {
        HttpExchange.Response r = f.http.send("PUT", "/collections/docs/points", POINTS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("acknowledged");
        assertThat(f.searcher.queries()).isEmpty();
    }

    @Test
    void writeWithWaitSyncsEveryShardOnTheWrittenOffsets() {
        HttpExchange.Response r = f.http.send("PUT", "/collections/docs/points?wait=true", POINTS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("completed");
        SearchQuery sync = f.searcher.queries().get(0);
        assertThat(sync.limit()).isZero();
        assertThat(sync.requiredOffsets()).isNotEmpty();
        String token = r.json().get("token").asText();
        assertThat(io.quiver.schemas.routing.OffsetToken.format(sync.requiredOffsets()))
                .isEqualTo(token);
    }

    @Test
    void writeWithWaitIs504WhenAShardDoesNotCatchUp() {
        f.searcher.answer(new SearchOutcome(List.of(), 3, List.of(2)));
        HttpExchange.Response r =
                f.http.send(
                        "POST",
                        "/collections/docs/points/delete?wait=true",
                        "{\"points\":[\"a\"]}");
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.errorCode()).isEqualTo("consistency_timeout");
        assertThat(r.errorMessage()).contains("was acknowledged (token '").contains("shards [2]");
    }

    @Test
    void badWaitValueIs400() {
        HttpExchange.Response r = f.http.send("PUT", "/collections/docs/points?wait=soon", POINTS);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorMessage())
                .contains("query parameter 'wait' must be true or false, got 'soon'");
    }

    @Test
    void sessionSearchCarriesTheTokenAsRequiredOffsets() {
        HttpExchange.Response r =
                f.http.send(
                        "POST",
                        "/collections/docs/points/search",
                        "{\"vector\":[1,0,0,0],\"consistency\":\"session\",\"token\":\"0:15,2:7\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(f.searcher.queries().get(0).requiredOffsets()).isEqualTo(Map.of(0, 15L, 2, 7L));
    }

    @Test
    void eventualSearchRequiresNothingAndMayBePartial() {
        f.searcher.answer(new SearchOutcome(List.of(), 3, List.of(1)));
        HttpExchange.Response r =
                f.http.send("POST", "/collections/docs/points/search", "{\"vector\":[1,0,0,0]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("partial").asBoolean()).isTrue();
        assertThat(f.searcher.queries().get(0).requiredOffsets()).isEmpty();
    }

    @Test
    void sessionSearchWithMissingShardsIs504NotStale() {
        f.searcher.answer(new SearchOutcome(List.of(), 3, List.of(1)));
        HttpExchange.Response r =
                f.http.send(
                        "POST",
                        "/collections/docs/points/search",
                        "{\"vector\":[1,0,0,0],\"consistency\":\"session\",\"token\":\"0:1\"}");
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.errorMessage()).contains("could not confirm session consistency");
    }

    @Test
    void consistencyValidation() {
        bad(
                "{\"vector\":[1,0,0,0],\"consistency\":\"linearizable\"}",
                422,
                "'consistency' must be 'eventual', 'session' or 'strong', got 'linearizable'");
        bad(
                "{\"vector\":[1,0,0,0],\"consistency\":\"session\"}",
                422,
                "'session' consistency needs the 'token'");
        bad(
                "{\"vector\":[1,0,0,0],\"consistency\":\"session\",\"token\":\"zero\"}",
                422,
                "bad consistency token part 'zero'");
        bad("{\"vector\":[1,0,0,0],\"consistency\":3}", 400, "consistency");
    }

    private void bad(String body, int status, String message) {
        HttpExchange.Response r = f.http.send("POST", "/collections/docs/points/search", body);
        assertThat(r.status()).isEqualTo(status);
        assertThat(r.errorMessage()).contains(message);
    }
}
