package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UiHandlerTest {

    private final UiHandler ui = new UiHandler();
    private final HttpFixture f = new HttpFixture();

    private HttpAnswer get(String file) {
        return ui.handle(new HttpCall(HttpMethod.GET, "/ui", null, null, 0, Map.of(), file)).join();
    }

    @Test
    void servesThePageWithItsScriptAndStylesheet() {
        HttpAnswer page = get(null);
        assertThat(page.status().code()).isEqualTo(200);
        assertThat(page.headers()).containsEntry("content-type", "text/html; charset=utf-8");
        String html = new String(page.body(), StandardCharsets.UTF_8);
        assertThat(html).contains("/ui/demo.js").contains("/ui/demo.css");

        assertThat(get("demo.js").headers().get("content-type")).startsWith("text/javascript");
        assertThat(new String(get("demo.js").body(), StandardCharsets.UTF_8))
                .contains("/points/search");
        assertThat(get("demo.css").headers().get("content-type")).startsWith("text/css");
        assertThat(get("index.html").body()).isEqualTo(page.body());
    }

    @Test
    void anyOtherFileIs404() {
        assertThatThrownBy(() -> get("../pom.xml"))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("no file '../pom.xml' under /ui");
        HttpExchange.Response r = f.http.send("GET", "/ui/secret.txt", null);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.errorCode()).isEqualTo("not_found");
    }

    @Test
    void onlyGetIsAllowed() {
        HttpExchange.Response r = f.http.send("POST", "/ui", "{}");
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.headers()).containsEntry("allow", "GET");
    }
}
