package io.quiver.query.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AccessRuleTest {

    @ParameterizedTest(name = "{0} {1} needs {2} on {3}")
    @CsvSource({
        "GET, /collections, read, ",
        "GET, /collections/docs, read, docs",
        "GET, /collections/docs/, read, docs",
        "PUT, /collections/docs, admin, docs",
        "DELETE, /collections/docs, admin, docs",
        "POST, /collections/docs, admin, docs",
        "PUT, /collections/docs/points, write, docs",
        "PUT, /collections/docs/points?wait=true, write, docs",
        "POST, /collections/docs/points/delete, write, docs",
        "POST, /collections/docs/points/search, read, docs",
        "POST, /collections/docs/points/search/batch, read, docs",
        "POST, /collections/docs/points/count, read, docs",
        "GET, /collections/docs/points/a1, read, docs",
        "GET, /collections/docs/points/search, read, docs",
        "POST, /collections/docs/points/scroll, admin, docs",
        "PATCH, /collections/docs/points, admin, docs",
        "POST, /collections/te%73t/points/search, read, test",
        "GET, /metrics, admin, ",
    })
    void mapsEachEndpointToItsScope(String method, String uri, String scope, String collection) {
        AccessRule rule = AccessRule.of(HttpMethod.valueOf(method), uri, false);

        assertThat(rule.open()).isFalse();
        assertThat(rule.scope()).isEqualTo(Scope.parse(scope));
        assertThat(rule.collection()).isEqualTo(collection);
    }

    @ParameterizedTest(name = "{0} {1} is open")
    @CsvSource({"GET, /healthz", "GET, /readyz", "GET, /readyz/", "GET, /ui", "GET, /ui/app.js"})
    void leavesProbesAndStaticFilesOpen(String method, String uri) {
        assertThat(AccessRule.of(HttpMethod.valueOf(method), uri, false).open()).isTrue();
    }

    @ParameterizedTest(name = "{0} {1} needs any valid key")
    @CsvSource({"GET, /", "GET, /nowhere", "POST, /healthz", "DELETE, /collections", "GET, /%zz"})
    void asksForAnyValidKeyElsewhere(String method, String uri) {
        AccessRule rule = AccessRule.of(HttpMethod.valueOf(method), uri, false);

        assertThat(rule.open()).isFalse();
        assertThat(rule.scope()).isNull();
    }

    @org.junit.jupiter.api.Test
    void metricsCanBeLeftOpen() {
        assertThat(AccessRule.of(HttpMethod.GET, "/metrics", true).open()).isTrue();
    }
}
