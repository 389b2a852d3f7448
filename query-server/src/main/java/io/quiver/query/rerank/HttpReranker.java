package io.quiver.query.rerank;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.query.internal.Json;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Calls an external cross-encoder over HTTP/1.1 with the JDK's asynchronous client (no thread waits
 * for the answer). The request carries the candidates' texts in vector order; the answer maps each
 * scored index back to its candidate. Anything but a 2xx answer whose indexes and scores are all
 * valid fails the future with a message naming what was wrong.
 */
final class HttpReranker implements Reranker {

    private final HttpClient client;
    private final RerankEndpoint endpoint;
    private final Duration timeout;

    HttpReranker(HttpClient client, RerankEndpoint endpoint, Duration timeout) {
        this.client = client;
        this.endpoint = endpoint;
        this.timeout = timeout;
    }

    @Override
    public CompletableFuture<float[]> score(String queryText, List<RerankCandidate> candidates) {
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(request(queryText, candidates));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        HttpRequest request =
                HttpRequest.newBuilder(endpoint.uri())
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json")
                        .timeout(timeout)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(response -> scores(response, candidates.size()));
    }

    private ObjectNode request(String queryText, List<RerankCandidate> candidates) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("query", queryText);
        boolean tei = endpoint.protocol() == RerankEndpoint.Protocol.TEI;
        ArrayNode texts = root.putArray(tei ? "texts" : "documents");
        for (RerankCandidate c : candidates) {
            texts.add(c.text());
        }
        if (!tei) {
            root.put("top_n", candidates.size());
        }
        return root;
    }

    private float[] scores(HttpResponse<byte[]> response, int n) {
        if (response.statusCode() / 100 != 2) {
            throw new RerankerException(endpoint.uri() + " answered HTTP " + response.statusCode());
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new RerankerException(endpoint.uri() + " answered invalid JSON");
        }
        boolean tei = endpoint.protocol() == RerankEndpoint.Protocol.TEI;
        JsonNode results = tei ? root : root == null ? null : root.get("results");
        if (results == null || !results.isArray()) {
            throw new RerankerException(
                    endpoint.uri()
                            + " answered without "
                            + (tei ? "a JSON array" : "a 'results' array"));
        }
        String scoreField = tei ? "score" : "relevance_score";
        float[] scores = new float[n];
        Arrays.fill(scores, Float.NEGATIVE_INFINITY);
        boolean[] seen = new boolean[n];
        for (JsonNode r : results) {
            JsonNode index = r.get("index");
            JsonNode score = r.get(scoreField);
            if (index == null || !index.canConvertToInt() || !index.isIntegralNumber()) {
                throw new RerankerException(endpoint.uri() + " answered a result without index");
            }
            int i = index.intValue();
            if (i < 0 || i >= n || seen[i]) {
                throw new RerankerException(
                        endpoint.uri() + " answered index " + i + " for " + n + " texts");
            }
            if (score == null || !score.isNumber() || !Double.isFinite(score.doubleValue())) {
                throw new RerankerException(
                        endpoint.uri() + " answered no finite '" + scoreField + "' for " + i);
            }
            seen[i] = true;
            scores[i] = score.floatValue();
        }
        if (tei && results.size() != n) {
            throw new RerankerException(
                    endpoint.uri() + " scored " + results.size() + " of " + n + " texts");
        }
        return scores;
    }
}
