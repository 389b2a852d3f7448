package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.query.security.AccessControl;
import io.quiver.query.security.ApiKeys;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Access control in the real HTTP pipeline, on an embedded channel, with the endpoints' fakes. */
class AccessControlEndpointsTest {

    static final String READER_KEY = "reader-key-0123456789";
    static final String WRITER_KEY = "writer-key-0123456789";
    static final String ADMIN_KEY = "admin-key-01234567890";
    static final String SLOW_KEY = "slow-key-012345678901";

    /** A reader of docs and team-*, a writer of team-* only, an admin of everything. */
    static final String KEYS =
            "{\"keys\": ["
                    + "{\"name\": \"reader\", \"sha256\": \""
                    + ApiKeys.sha256Hex(READER_KEY)
                    + "\", \"grants\": {\"docs\": [\"read\"], \"team-*\": [\"read\"]}},"
                    + "{\"name\": \"writer\", \"key\": \""
                    + WRITER_KEY
                    + "\", \"grants\": {\"team-*\": [\"read\", \"write\"]}},"
                    + "{\"name\": \"admin\", \"key\": \""
                    + ADMIN_KEY
                    + "\", \"grants\": {\"*\": [\"read\", \"write\", \"admin\"]}},"
                    + "{\"name\": \"slow\", \"key\": \""
                    + SLOW_KEY
                    + "\", \"grants\": {\"*\": [\"read\"]},"
                    + " \"rate_limit\": {\"requests_per_second\": 0.01, \"burst\": 3}}"
                    + "]}";

    private static final String SEARCH = "{\"vector\": [1, 0, 0, 0], \"limit\": 2}";
    private static final String UPSERT =
            "{\"points\": [{\"id\": \"a\", \"vector\": [1, 0, 0, 0]}]}";

    private final HttpFixture fixture = new HttpFixture();
    private final HttpExchange http = exchange(false);

    private HttpExchange exchange(boolean metricsOpen) {
        return new HttpExchange(
                fixture.services,
                new AccessControl(
                        ApiKeys.fromJson(KEYS, "test"), metricsOpen, fixture.services.metrics()));
    }

    private static Map<String, String> bearer(String key) {
        return Map.of("Authorization", "Bearer " + key);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void answers401WithAChallengeWithoutAKey() {
        HttpExchange.Response r =
                http.send("POST", "/collections/docs/points/search", bytes(SEARCH), Map.of());

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.errorCode()).isEqualTo("missing_api_key");
        assertThat(r.headers()).containsEntry("www-authenticate", "Bearer realm=\"quiver\"");
        assertThat(fixture.searcher.queries()).isEmpty();
    }

    @Test
    void answers401ForAnUnknownKeyWithoutEchoingIt() {
        HttpExchange.Response r =
                http.send(
                        "POST",
                        "/collections/docs/points/search",
                        bytes(SEARCH),
                        bearer("not-a-key-we-know-123"));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.errorCode()).isEqualTo("invalid_api_key");
        assertThat(r.json().toString()).doesNotContain("not-a-key-we-know-123");
        assertThat(fixture.services.metrics().authRejectedCount("unknown", "unauthenticated"))
                .isEqualTo(1);
    }

    @Test
    void searchesWithAReadKeyInEitherHeader() {
        assertThat(
                        http.send(
                                        "POST",
                                        "/collections/docs/points/search",
                                        bytes(SEARCH),
                                        bearer(READER_KEY))
                                .status())
                .isEqualTo(200);
        assertThat(
                        http.send(
                                        "POST",
                                        "/collections/docs/points/search",
                                        bytes(SEARCH),
                                        Map.of("api-key", READER_KEY))
                                .status())
                .isEqualTo(200);
        assertThat(
                        http.send(
                                        "GET",
                                        "/collections/docs",
                                        null,
                                        Map.of("Authorization", "bearer " + READER_KEY))
                                .status())
                .isEqualTo(200);
    }

    @Test
    void answers403NamingTheScopeWhenAReadKeyWrites() {
        HttpExchange.Response r =
                http.send("PUT", "/collections/docs/points", bytes(UPSERT), bearer(READER_KEY));

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.errorCode()).isEqualTo("missing_scope");
        assertThat(r.errorMessage())
                .contains("'reader'")
                .contains("'write' scope")
                .contains("collection 'docs'");
        assertThat(fixture.writer.written()).isEmpty();
        assertThat(fixture.services.metrics().authRejectedCount("reader", "forbidden"))
                .isEqualTo(1);
    }

    @Test
    void answers403OutsideTheKeysCollectionPattern() {
        HttpExchange.Response r =
                http.send(
                        "POST",
                        "/collections/geo/points/search",
                        bytes(SEARCH),
                        bearer(WRITER_KEY));

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.errorMessage()).contains("'read' scope for collection 'geo'");
    }

    @Test
    void collectionsAreCreatedOnlyWithTheAdminScope() {
        String spec = "{\"dimension\": 3, \"metric\": \"l2\"}";

        HttpExchange.Response writer =
                http.send("PUT", "/collections/team-a", bytes(spec), bearer(WRITER_KEY));
        HttpExchange.Response admin =
                http.send("PUT", "/collections/team-a", bytes(spec), bearer(ADMIN_KEY));

        assertThat(writer.status()).isEqualTo(403);
        assertThat(writer.errorMessage()).contains("'admin' scope for collection 'team-a'");
        assertThat(admin.status()).isEqualTo(200);
    }

    @Test
    void writesWithTheWriteScopeInAMatchingCollection() {
        fixture.catalog.apply(
                "team-a", io.quiver.query.testing.Specs.spec("team-a", 4, "cosine"), 0, 2);

        HttpExchange.Response r =
                http.send("PUT", "/collections/team-a/points", bytes(UPSERT), bearer(WRITER_KEY));

        assertThat(r.status()).isEqualTo(200);
    }

    @Test
    void healthAndReadinessStayOpen() {
        assertThat(http.send("GET", "/healthz", null, Map.of()).status()).isEqualTo(200);
        assertThat(http.send("GET", "/readyz", null, Map.of()).status()).isIn(200, 503);
    }

    @Test
    void metricsNeedTheAdminScopeUnlessLeftOpen() {
        assertThat(http.send("GET", "/metrics", null, Map.of()).status()).isEqualTo(401);
        HttpExchange.Response reader = http.send("GET", "/metrics", null, bearer(READER_KEY));
        assertThat(reader.status()).isEqualTo(403);
        assertThat(reader.errorMessage()).contains("'admin' scope");
    }

    @Test
    void answers429WithRetryAfterOnceTheBurstIsSpent() {
        for (int i = 0; i < 3; i++) {
            assertThat(http.send("GET", "/collections/docs", null, bearer(SLOW_KEY)).status())
                    .isEqualTo(200);
        }
        HttpExchange.Response limited =
                http.send("GET", "/collections/docs", null, bearer(SLOW_KEY));

        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.errorCode()).isEqualTo("rate_limited");
        // One token per 100 s, so the wait is a little under 100 s, rounded up.
        assertThat(Long.parseLong(limited.headers().get("retry-after"))).isBetween(90L, 100L);
        assertThat(fixture.services.metrics().authRejectedCount("slow", "rate_limited"))
                .isEqualTo(1);
        // Other keys have buckets of their own.
        assertThat(http.send("GET", "/collections/docs", null, bearer(READER_KEY)).status())
                .isEqualTo(200);
    }

    @Test
    void unknownPathsNeedAKeyThenAnswer404() {
        assertThat(http.send("GET", "/nowhere", null, Map.of()).status()).isEqualTo(401);
        assertThat(http.send("GET", "/nowhere", null, bearer(READER_KEY)).status()).isEqualTo(404);
    }

    @Test
    void withoutAGuardEveryRequestIsServed() {
        assertThat(
                        fixture.http
                                .send("PUT", "/collections/docs/points", bytes(UPSERT), Map.of())
                                .status())
                .isEqualTo(200);
    }
}
