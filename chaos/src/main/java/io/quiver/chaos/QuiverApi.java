package io.quiver.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The query server's HTTP API as the suite uses it; every call answers status and JSON body. */
final class QuiverApi {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One answer; status 0 means no HTTP answer at all (connection refused, reset, timeout). */
    record Answer(int status, JsonNode body, String error) {
        boolean ok() {
            return status == 200;
        }
    }

    private final String base;
    private final HttpClient client;

    QuiverApi(int port) {
        this.base = "http://127.0.0.1:" + port;
        this.client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();
    }

    Answer call(String method, String path, String body) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15));
        request.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> response =
                    client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json;
            try {
                json = JSON.readTree(response.body());
            } catch (IOException e) {
                json = JSON.missingNode();
            }
            return new Answer(response.statusCode(), json, null);
        } catch (IOException e) {
            return new Answer(0, JSON.missingNode(), e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, JSON.missingNode(), "interrupted");
        }
    }

    Answer createCollection(String name, int dimension) {
        return call(
                "PUT",
                "/collections/" + name,
                "{\"dimension\": " + dimension + ", \"metric\": \"l2\"}");
    }

    Answer search(String collection, float[] vector, int limit) {
        return call(
                "POST",
                "/collections/" + collection + "/points/search",
                "{\"vector\": " + Vectors.json(vector) + ", \"limit\": " + limit + "}");
    }

    /** Top-{@code limit} ids per vector, one batch request; null when it did not answer 200. */
    List<List<String>> searchBatch(
            String collection, List<float[]> vectors, int limit, String params) {
        StringBuilder body = new StringBuilder("{\"searches\": [");
        for (int i = 0; i < vectors.size(); i++) {
            body.append(i == 0 ? "" : ",")
                    .append("{\"vector\": ")
                    .append(Vectors.json(vectors.get(i)))
                    .append(", \"limit\": ")
                    .append(limit)
                    .append(", \"consistency\": \"eventual\"")
                    .append(params)
                    .append('}');
        }
        Answer a =
                call(
                        "POST",
                        "/collections/" + collection + "/points/search/batch",
                        body.append("]}").toString());
        if (!a.ok() || a.body.path("partial").asBoolean(false)) {
            return null;
        }
        List<List<String>> out = new ArrayList<>();
        for (JsonNode hits : a.body.path("result")) {
            List<String> ids = new ArrayList<>();
            for (JsonNode hit : hits) {
                ids.add(hit.path("id").asText());
            }
            out.add(ids);
        }
        return out;
    }

    /** The exact count, or -1 while a shard does not answer. */
    long count(String collection) {
        Answer a = call("POST", "/collections/" + collection + "/points/count", "{}");
        return a.ok() ? a.body.path("result").path("count").asLong(-1) : -1;
    }

    boolean ready() {
        return call("GET", "/readyz", null).ok();
    }
}
