package io.quiver.query.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.quiver.query.search.SearchOutcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class PipeliningTest {

    @Test
    void answersPipelinedRequestsInRequestOrder() {
        HttpFixture f = new HttpFixture();
        CompletableFuture<SearchOutcome> slow = new CompletableFuture<>();
        QueryServices services =
                QueryServices.builder()
                        .catalog(f.catalog)
                        .writer(f.writer)
                        .searcher((spec, q) -> slow)
                        .directory(f.directory)
                        .topics(f.topics)
                        .settings(new HttpSettings(1 << 16, 5, 300))
                        .build();
        EmbeddedChannel server = new EmbeddedChannel();
        HttpServerInitializer.configure(server.pipeline(), new HttpRoutes(services), 1 << 16);

        String search = "{\"vector\":[1,0,0,0]}";
        String raw =
                "POST /collections/docs/points/search HTTP/1.1\r\nContent-Length: "
                        + search.length()
                        + "\r\n\r\n"
                        + search
                        + "GET /healthz HTTP/1.1\r\n\r\n";
        server.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.US_ASCII));
        server.runPendingTasks();
        assertThat((Object) server.readOutbound()).as("healthz waits for the search").isNull();

        slow.complete(new SearchOutcome(List.of(), 4, List.of()));
        server.runPendingTasks();
        EmbeddedChannel client =
                new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
        ByteBuf out;
        while ((out = server.readOutbound()) != null) {
            client.writeInbound(out);
        }
        FullHttpResponse first = client.readInbound();
        FullHttpResponse second = client.readInbound();
        assertThat(first.content().toString(StandardCharsets.UTF_8)).contains("\"result\":[]");
        assertThat(second.content().toString(StandardCharsets.UTF_8))
                .isEqualTo("{\"status\":\"ok\"}");
        first.release();
        second.release();
        server.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }

    @Test
    void everyRequestOfAConnectionIsCountedUnderItsOwnEndpoint() {
        HttpFixture f = new HttpFixture();
        EmbeddedChannel server = new EmbeddedChannel();
        HttpServerInitializer.configure(server.pipeline(), new HttpRoutes(f.services), 1 << 16);
        String raw =
                "GET /healthz HTTP/1.1\r\n\r\n"
                        + "GET /healthz HTTP/1.1\r\n\r\n"
                        + "GET /collections/docs HTTP/1.1\r\n\r\n"
                        + "GET /collections/geo HTTP/1.1\r\n\r\n"
                        + "DELETE /healthz HTTP/1.1\r\n\r\n"
                        + "GET /healthz HTTP/1.1\r\n\r\n"
                        + "GET /nope HTTP/1.1\r\n\r\n";
        server.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.US_ASCII));
        server.runPendingTasks();
        server.finishAndReleaseAll();
        String metrics = f.services.metrics().scrape();
        assertThat(metrics)
                .contains(count("/healthz", "GET", 200, 3))
                .contains(count("/collections/{name}", "GET", 200, 2))
                .contains(count("/healthz", "DELETE", 405, 1))
                .contains(count("unmatched", "GET", 404, 1));
    }

    private static String count(String endpoint, String method, int status, int n) {
        return "quiver_http_requests_seconds_count{endpoint=\""
                + endpoint
                + "\",method=\""
                + method
                + "\",status=\""
                + status
                + "\"} "
                + n
                + "\n";
    }
}
