package io.quiver.query.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@code GET /ui} and {@code GET /ui/{file}}: the demo page, a few static files read once from the
 * classpath ({@code io/quiver/query/ui/}). The page talks to the public HTTP API only, so it needs
 * no endpoint of its own; only the files named here are served, any other name is 404.
 */
final class UiHandler implements RouteHandler {

    private static final String ROOT = "/io/quiver/query/ui/";
    private static final String INDEX = "index.html";
    private static final Map<String, String> FILES =
            Map.of(
                    INDEX,
                    "text/html; charset=utf-8",
                    "demo.js",
                    "text/javascript; charset=utf-8",
                    "demo.css",
                    "text/css; charset=utf-8");

    private final Map<String, HttpAnswer> answers;

    UiHandler() {
        Map<String, HttpAnswer> loaded = new HashMap<>();
        FILES.forEach((name, type) -> loaded.put(name, load(name, type)));
        this.answers = Map.copyOf(loaded);
    }

    @Override
    public CompletableFuture<HttpAnswer> handle(HttpCall call) {
        String file = call.pointId() == null ? INDEX : call.pointId();
        HttpAnswer answer = answers.get(file);
        if (answer == null) {
            throw new NotFoundException("not_found", "no file '" + file + "' under /ui");
        }
        return CompletableFuture.completedFuture(answer);
    }

    private static HttpAnswer load(String name, String contentType) {
        try (InputStream in = UiHandler.class.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + ROOT + name);
            }
            // The files change only with a new build, so browsers may keep them briefly.
            return new HttpAnswer(
                    HttpResponseStatus.OK,
                    in.readAllBytes(),
                    Map.of("content-type", contentType, "cache-control", "max-age=60"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + ROOT + name, e);
        }
    }
}
