package io.quiver.chaos;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends malformed HTTP requests over raw sockets (so that invalid UTF-8, lying Content-Length and
 * slow bodies reach the server as written) and classifies the answers. Every request should get a
 * 4xx; a 2xx or 5xx is a finding, and so is a connection closed without any answer.
 */
final class HttpFuzzer {

    static final String[] KINDS = {
        "malformed-json",
        "wrong-types-search",
        "wrong-types-upsert",
        "huge-body",
        "deep-nesting",
        "invalid-utf8",
        "slow-loris",
        "unknown-path",
        "unknown-method",
        "bad-query",
        "bad-collection-spec",
    };

    /** Totals of one run. */
    record Result(
            long requests,
            long answered4xx,
            long answered2xx,
            long answered5xx,
            long noAnswer,
            String example) {}

    private final int port;
    private final String collection;

    HttpFuzzer(int port, String collection) {
        this.port = port;
        this.collection = collection;
    }

    Result run(int count, long seed) throws InterruptedException {
        AtomicLong ok4xx = new AtomicLong();
        AtomicLong got2xx = new AtomicLong();
        AtomicLong got5xx = new AtomicLong();
        AtomicLong none = new AtomicLong();
        AtomicReference<String> example = new AtomicReference<>("");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int i = 0; i < count; i++) {
            int n = i;
            pool.execute(
                    () -> {
                        String kind = KINDS[n % KINDS.length];
                        int status = send(kind, new SplittableRandom(seed + n));
                        if (status >= 400 && status < 500) {
                            ok4xx.incrementAndGet();
                        } else {
                            (status >= 500 ? got5xx : status >= 200 ? got2xx : none)
                                    .incrementAndGet();
                            example.compareAndSet("", kind + " -> " + status);
                        }
                    });
        }
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.MINUTES);
        return new Result(
                count, ok4xx.get(), got2xx.get(), got5xx.get(), none.get(), example.get());
    }

    /** Sends one request of {@code kind}; answers the status code, or 0 without an answer. */
    private int send(String kind, SplittableRandom random) {
        String search = "/collections/" + collection + "/points/search";
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            switch (kind) {
                case "malformed-json" -> request(out, "POST", search, utf8("{\"vector\": [1, 2,"));
                case "wrong-types-search" ->
                        request(
                                out,
                                "POST",
                                search,
                                utf8(
                                        random.nextBoolean()
                                                ? "{\"vector\": \"abc\", \"limit\": \"x\"}"
                                                : "{\"vector\": [true, null], \"limit\": -3}"));
                case "wrong-types-upsert" ->
                        request(
                                out,
                                "PUT",
                                "/collections/" + collection + "/points",
                                utf8("{\"points\": [{\"id\": {\"a\": 1}, \"vector\": {}}]}"));
                case "huge-body" -> {
                    // Announces 64 MiB, twice the default body limit, and sends the first 64 KiB.
                    head(out, "POST", search, 64L * 1024 * 1024);
                    try {
                        out.write(new byte[64 * 1024]);
                    } catch (IOException e) {
                        // The server may answer 413 and close before the body arrives.
                    }
                }
                case "deep-nesting" -> {
                    int depth = 2_000 + random.nextInt(50_000);
                    request(
                            out,
                            "POST",
                            search,
                            utf8("{\"vector\": " + "[".repeat(depth) + "]".repeat(depth) + "}"));
                }
                case "invalid-utf8" -> {
                    byte[] body = utf8("{\"vector\": [1], \"consistency\": \"XX\"}");
                    body[body.length - 4] = (byte) 0xC3;
                    body[body.length - 3] = (byte) 0x28;
                    request(out, "POST", search, body);
                }
                case "slow-loris" -> {
                    byte[] body = utf8("{\"vector\": [1, 2], \"limit\": \"slow\"}");
                    head(out, "POST", search, body.length);
                    for (int i = 0; i < body.length; i += 8) {
                        out.write(body, i, Math.min(8, body.length - i));
                        out.flush();
                        Thread.sleep(20);
                    }
                }
                case "unknown-path" ->
                        request(out, "GET", "/nope/" + random.nextInt(1000) + "/x", null);
                case "unknown-method" ->
                        request(
                                out,
                                random.nextBoolean() ? "BREW" : "PATCH",
                                "/collections/" + collection,
                                null);
                case "bad-query" ->
                        request(
                                out,
                                "PUT",
                                "/collections/" + collection + "/points?wait=maybe",
                                utf8("{\"points\": []}"));
                default ->
                        request(
                                out,
                                "PUT",
                                "/collections/bad%20name" + random.nextInt(100),
                                utf8("{\"dimension\": -1, \"metric\": \"cosine\"}"));
            }
            out.flush();
            return status(socket.getInputStream());
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static void head(OutputStream out, String method, String path, long length)
            throws IOException {
        out.write(
                utf8(
                        method
                                + " "
                                + path
                                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type:"
                                + " application/json\r\nConnection: close\r\nContent-Length: "
                                + length
                                + "\r\n\r\n"));
    }

    private static void request(OutputStream out, String method, String path, byte[] body)
            throws IOException {
        head(out, method, path, body == null ? 0 : body.length);
        if (body != null) {
            out.write(body);
        }
    }

    private static int status(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.write(b);
        }
        String first = line.toString(StandardCharsets.ISO_8859_1);
        String[] parts = first.split(" ");
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            return 0;
        }
        return Integer.parseInt(parts[1].trim());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
