package io.quiver.query.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quiver.query.internal.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cross-encoder stand-in on loopback speaking TEI's or Cohere's {@code /rerank}. It scores each
 * text deterministically by the number after its last space ("beta 0.9" → 0.9, anything else 0) and
 * answers best first, as the real servers do. It can also be slow, fail with 500 or answer garbage,
 * and counts every call.
 */
public final class RerankTestServer implements AutoCloseable {

    /** How the server answers. */
    public enum Mode {
        SCORE,
        SLOW,
        ERROR_500,
        GARBAGE
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile Mode mode = Mode.SCORE;
    private volatile long slowMs = 2_000;
    private final List<JsonNode> requests = new ArrayList<>();

    public RerankTestServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/tei/rerank", ex -> handle(ex, true));
        server.createContext("/cohere/rerank", ex -> handle(ex, false));
        server.setExecutor(executor);
        server.start();
    }

    /** The URL of the protocol's endpoint: {@code tei} or {@code cohere}. */
    public String url(String protocol) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + protocol + "/rerank";
    }

    public RerankTestServer mode(Mode mode) {
        this.mode = mode;
        return this;
    }

    public RerankTestServer slowMs(long ms) {
        this.slowMs = ms;
        return this;
    }

    public int calls() {
        return calls.get();
    }

    public synchronized List<JsonNode> requests() {
        return new ArrayList<>(requests);
    }

    /** The score this server gives {@code text}. */
    public static float score(String text) {
        int space = text.lastIndexOf(' ');
        try {
            return Float.parseFloat(text.substring(space + 1));
        } catch (NumberFormatException e) {
            return 0f;
        }
    }

    private void handle(HttpExchange ex, boolean tei) throws IOException {
        calls.incrementAndGet();
        JsonNode request = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes());
        synchronized (this) {
            requests.add(request);
        }
        switch (mode) {
            case SLOW:
                try {
                    Thread.sleep(slowMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                respond(ex, 200, scored(request, tei));
                return;
            case ERROR_500:
                respond(ex, 500, "{\"error\":\"model crashed\"}");
                return;
            case GARBAGE:
                respond(ex, 200, tei ? "{\"not\":\"a list\"}" : "[1,2,3");
                return;
            default:
                respond(ex, 200, scored(request, tei));
        }
    }

    private static String scored(JsonNode request, boolean tei) {
        JsonNode texts = request.get(tei ? "texts" : "documents");
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            order.add(i);
        }
        order.sort(
                Comparator.comparingDouble((Integer i) -> -score(texts.get(i).asText()))
                        .thenComparing(i -> i));
        ArrayNode results = Json.MAPPER.createArrayNode();
        int n = tei ? order.size() : Math.min(order.size(), request.get("top_n").asInt());
        for (int r = 0; r < n; r++) {
            int i = order.get(r);
            ObjectNode o = results.addObject();
            o.put("index", i);
            o.put(tei ? "score" : "relevance_score", score(texts.get(i).asText()));
        }
        if (tei) {
            return results.toString();
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.set("results", results);
        root.put("id", "test");
        return root.toString();
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        try {
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            // The client gave up (timeout); nothing to answer.
        } finally {
            ex.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
