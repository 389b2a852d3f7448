package io.quiver.query.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.query.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A tiny JSON-over-HTTP client for ITCases. */
public final class HttpJson {

    public record Answer(int status, JsonNode json) {}

    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;

    public HttpJson(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    public Answer get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Answer put(String path, String body) {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Answer post(String path, String body) {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** A GET answered with text (e.g. /metrics): the body as is. */
    public String text(String path) {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create(base + path))
                                    .timeout(Duration.ofSeconds(30))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A POST sent without waiting, for concurrent requests. */
    public CompletableFuture<Answer> postAsync(String path, String body) {
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(
                        r -> {
                            try {
                                return new Answer(r.statusCode(), Json.MAPPER.readTree(r.body()));
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        });
    }

    private Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r =
                    http.send(
                            request.timeout(Duration.ofSeconds(30))
                                    .header("Content-Type", "application/json")
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), Json.MAPPER.readTree(r.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
