package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.search.CountOutcome;
import io.quiver.query.search.PointLookup;
import io.quiver.schemas.filter.Match;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PointReadEndpointsTest {

    private final HttpFixture f = new HttpFixture();

    @Test
    void getsAPointWithVectorAndPayload() {
        f.points.points.put(
                "docs/a1",
                new PointLookup(
                        1,
                        true,
                        new float[] {0.5f, 1f, 0f, -2f},
                        "{\"title\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        HttpExchange.Response r = f.http.send("GET", "/collections/docs/points/a1", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("ok");
        assertThat(r.json().at("/result/id").asText()).isEqualTo("a1");
        assertThat(r.json().at("/result/vector").toString()).isEqualTo("[0.5,1.0,0.0,-2.0]");
        assertThat(r.json().at("/result/payload/title").asText()).isEqualTo("x");
    }

    @Test
    void aPointWithoutPayloadHasNullPayload() {
        f.points.points.put("docs/b", new PointLookup(1, true, new float[] {1, 0, 0, 0}, null));
        HttpExchange.Response r = f.http.send("GET", "/collections/docs/points/b", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/payload").isNull()).isTrue();
    }

    @Test
    void idsArePercentDecodedAndMayNameAnEndpoint() {
        f.points.points.put("docs/a/b c", new PointLookup(1, true, new float[] {1, 0, 0, 0}, null));
        f.points.points.put(
                "docs/search", new PointLookup(1, true, new float[] {0, 1, 0, 0}, null));
        assertThat(
                        f.http.send("GET", "/collections/docs/points/a%2Fb%20c", null)
                                .json()
                                .at("/result/id")
                                .asText())
                .isEqualTo("a/b c");
        assertThat(
                        f.http.send("GET", "/collections/docs/points/search", null)
                                .json()
                                .at("/result/id")
                                .asText())
                .isEqualTo("search");
        assertThat(f.http.send("PUT", "/collections/docs/points/search", "{}").status())
                .isEqualTo(405);
    }

    @Test
    void anAbsentPointIs404() {
        HttpExchange.Response r = f.http.send("GET", "/collections/docs/points/none", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("point_not_found");
        assertThat(r.errorMessage()).isEqualTo("no point 'none' in collection 'docs'");
    }

    @Test
    void aPointWhoseShardDoesNotAnswerIs503() {
        f.points.shardDown = true;
        HttpExchange.Response r = f.http.send("GET", "/collections/docs/points/a1", null);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("shard_unavailable");
        assertThat(r.errorMessage())
                .isEqualTo(
                        "shard 2, which holds point 'a1', did not answer within "
                                + HttpFixture.TIMEOUT_MS
                                + " ms");
    }

    @Test
    void anIdOver512BytesIs422AndAnUnknownCollection404() {
        HttpExchange.Response r =
                f.http.send("GET", "/collections/docs/points/" + "x".repeat(513), null);
        assertThat(r.status()).isEqualTo(422);
        assertThat(r.errorCode()).isEqualTo("invalid_id");
        assertThat(r.errorMessage()).startsWith("point id: ");
        assertThat(f.http.send("GET", "/collections/none/points/a", null).errorCode())
                .isEqualTo("collection_not_found");
    }

    @Test
    void countsEveryPointWithAnEmptyBody() {
        f.points.countOutcome = new CountOutcome(1234, 4, List.of());
        HttpExchange.Response r = f.http.send("POST", "/collections/docs/points/count", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/count").asLong()).isEqualTo(1234);
        assertThat(f.points.countFilters()).containsExactly((io.quiver.schemas.filter.Filter) null);
    }

    @Test
    void countsWithAFilter() {
        f.points.countOutcome = new CountOutcome(7, 4, List.of());
        HttpExchange.Response r =
                f.http.send(
                        "POST",
                        "/collections/docs/points/count",
                        "{\"exact\":true,\"filter\":{\"must\":[{\"key\":\"a\","
                                + "\"match\":{\"value\":true}}]}}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/count").asLong()).isEqualTo(7);
        assertThat(f.points.countFilters().get(0).must()).containsExactly(new Match("a", true));
    }

    @Test
    void badCountRequestsAreRefused() {
        HttpExchange.Response unknown =
                f.http.send("POST", "/collections/docs/points/count", "{\"limit\":1}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.errorMessage()).startsWith("unknown field 'limit' in count request");
        HttpExchange.Response badFilter =
                f.http.send(
                        "POST",
                        "/collections/docs/points/count",
                        "{\"filter\":{\"must\":[{\"key\":\"a\",\"range\":{}}]}}");
        assertThat(badFilter.status()).isEqualTo(422);
        assertThat(badFilter.errorCode()).isEqualTo("invalid_range");
        HttpExchange.Response exact =
                f.http.send("POST", "/collections/docs/points/count", "{\"exact\":1}");
        assertThat(exact.status()).isEqualTo(400);
        assertThat(exact.errorMessage()).isEqualTo("'exact' must be true or false, got number");
    }

    @Test
    void aCountMissingShardsIs503() {
        f.points.countOutcome = new CountOutcome(10, 3, List.of(2));
        HttpExchange.Response r = f.http.send("POST", "/collections/docs/points/count", "{}");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("shards_unavailable");
        assertThat(r.errorMessage()).contains("shards [2] did not answer");
    }

    @Test
    void getCollectionReportsCountAndShards() {
        f.points.countOutcome = new CountOutcome(42, 4, List.of());
        HttpExchange.Response r = f.http.send("GET", "/collections/docs", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().at("/result/name").asText()).isEqualTo("docs");
        assertThat(r.json().at("/result/points_count").asLong()).isEqualTo(42);
        assertThat(r.json().at("/result/points_count_exact").asBoolean()).isTrue();
        assertThat(r.json().at("/result/shards/total").asInt()).isEqualTo(4);
        assertThat(r.json().at("/result/shards/ready").asInt()).isEqualTo(4);
        assertThat(r.json().at("/result/shards/not_ready")).isEmpty();
    }

    @Test
    void getCollectionSaysWhenTheCountIsPartialOrUnknown() {
        f.points.countOutcome = new CountOutcome(40, 3, List.of(1));
        HttpExchange.Response r = f.http.send("GET", "/collections/docs", null);
        assertThat(r.json().at("/result/points_count").asLong()).isEqualTo(40);
        assertThat(r.json().at("/result/points_count_exact").asBoolean()).isFalse();
        f.points.countOutcome = new CountOutcome(0, 0, List.of(0, 1, 2, 3));
        r = f.http.send("GET", "/collections/docs", null);
        assertThat(r.json().at("/result/points_count").isNull()).isTrue();
    }
}
