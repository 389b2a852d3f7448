package io.quiver.local.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A small blocking client of the query server's HTTP API, for the demo loader and the end-to-end
 * benchmark. Every call answers the parsed JSON body; a status other than 2xx becomes an {@link
 * IOException} carrying the server's error text.
 */
public final class QuiverHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http;

    /**
     * @param base the query server's address, e.g. {@code http://127.0.0.1:8080}
     */
    public QuiverHttp(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /** Creates {@code name} with {@code spec}; the same spec again is a no-op. */
    public JsonNode putCollection(String name, String spec) throws IOException {
        return call("PUT", "/collections/" + name, spec);
    }

    /** The collection's points count, or -1 while no shard answered. */
    public long pointsCount(String name) throws IOException {
        JsonNode count = call("GET", "/collections/" + name, null).path("result");
        JsonNode n = count.path("points_count");
        return n.isNumber() ? n.asLong() : -1;
    }

    /** An HTTP GET of {@code path}, or -1 when nothing answers. */
    public int status(String path) {
        try {
            return send("GET", path, null).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** A search body: {@code {"vector": [...], "limit": k, "consistency": "eventual"}}. */
    public static ObjectNode searchBody(float[] vector, int limit) {
        ObjectNode body = JSON.createObjectNode().put("limit", limit);
        body.put("consistency", "eventual");
        ArrayNode v = body.putArray("vector");
        for (float f : vector) {
            v.add(f);
        }
        return body;
    }

    public JsonNode search(String collection, ObjectNode body) throws IOException {
        return call("POST", "/collections/" + collection + "/points/search", body.toString());
    }

    public JsonNode searchBatch(String collection, ArrayNode searches) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.set("searches", searches);
        return call("POST", "/collections/" + collection + "/points/search/batch", body.toString());
    }

    /** Sends {@code method path} with an optional JSON body and answers the parsed body. */
    public JsonNode call(String method, String path, String body) throws IOException {
        HttpResponse<String> response = send(method, path, body);
        JsonNode parsed = JSON.readTree(response.body());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(
                    method + " " + path + " answered " + response.statusCode() + ": " + parsed);
        }
        return parsed;
    }

    private HttpResponse<String> send(String method, String path, String body) throws IOException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + method + " " + path, e);
        }
    }
}
