package io.quiver.query.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.query.internal.Json;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class FlinkRestJobLocatorTest {

    private static final String A = "a0000000000000000000000000000001";
    private static final String B = "b0000000000000000000000000000002";

    @Test
    void picksTheNewestRunningJobWithTheName() throws IOException {
        String json =
                "{\"jobs\":["
                        + job(A, "quiver", "RUNNING", 10)
                        + ","
                        + job(B, "quiver", "RUNNING", 20)
                        + ","
                        + job("c0000000000000000000000000000003", "other", "RUNNING", 30)
                        + "]}";
        assertThat(FlinkRestJobLocator.pick(Json.MAPPER.readTree(json), "quiver"))
                .hasValueSatisfying(id -> assertThat(id.toHexString()).isEqualTo(B));
    }

    @Test
    void ignoresJobsThatAreNotRunning() throws IOException {
        String json =
                "{\"jobs\":["
                        + job(A, "quiver", "CANCELED", 10)
                        + ","
                        + job(B, "quiver", "RESTARTING", 20)
                        + "]}";
        assertThat(FlinkRestJobLocator.pick(Json.MAPPER.readTree(json), "quiver")).isEmpty();
    }

    @Test
    void refusesAnAnswerWithoutJobs() {
        assertThatThrownBy(() -> FlinkRestJobLocator.pick(Json.MAPPER.readTree("{}"), "quiver"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no 'jobs' array");
    }

    private static String job(String id, String name, String state, long start) {
        return "{\"jid\":\""
                + id
                + "\",\"name\":\""
                + name
                + "\",\"state\":\""
                + state
                + "\",\"start-time\":"
                + start
                + "}";
    }
}
