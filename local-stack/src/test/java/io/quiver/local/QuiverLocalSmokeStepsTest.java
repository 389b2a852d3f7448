package io.quiver.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuiverLocalSmokeStepsTest {

    @TempDir Path dir;

    @Test
    void extractsOnlyBashBlocksBetweenTheMarkers() throws IOException {
        Path readme =
                write(
                        "# Quiver\n"
                                + "```bash\nscripts/quiver-local\n```\n"
                                + "<!-- smoke:begin -->\n"
                                + "```bash\ncurl -s localhost:8080/healthz\n```\n"
                                + "Some prose.\n"
                                + "```json\n{\"not\": \"run\"}\n```\n"
                                + "```bash title=search\ncurl -s localhost:8080/x/points/search\n```\n"
                                + "<!-- smoke:end -->\n"
                                + "```bash\necho after\n```\n"
                                + "<!-- smoke:begin -->\n```bash\necho second section\n```\n"
                                + "<!-- smoke:end -->\n");

        assertThat(QuiverLocalScriptITCase.smokeSteps(readme))
                .containsExactly(
                        "curl -s localhost:8080/healthz\n",
                        "curl -s localhost:8080/x/points/search\n",
                        "echo second section\n");
    }

    @Test
    void noMarkersOrNoReadmeMeansNoSteps() throws IOException {
        assertThat(QuiverLocalScriptITCase.smokeSteps(write("```bash\necho hi\n```\n"))).isEmpty();
        assertThat(QuiverLocalScriptITCase.smokeSteps(dir.resolve("missing.md"))).isEmpty();
    }

    @Test
    void anUnclosedSmokeSectionIsAnError() throws IOException {
        Path readme = write("<!-- smoke:begin -->\n```bash\necho hi\n```\n");

        assertThatThrownBy(() -> QuiverLocalScriptITCase.smokeSteps(readme))
                .hasMessageContaining("without a following <!-- smoke:end -->");
    }

    @Test
    void replacesTheDefaultPortsOnLoopbackHostsOnly() {
        var ports = new QuiverLocalScriptITCase.Ports(18080, 18081, 19092, 19069, 19067);

        assertThat(
                        ports.substitute(
                                "curl localhost:8080/a http://127.0.0.1:8081/b"
                                        + " -b localhost:9092 example.com:8080 localhost:80801"))
                .isEqualTo(
                        "curl localhost:18080/a http://127.0.0.1:18081/b"
                                + " -b localhost:19092 example.com:8080 localhost:80801");
    }

    private Path write(String text) throws IOException {
        Path readme = dir.resolve("README.md");
        Files.writeString(readme, text, UTF_8);
        return readme;
    }
}
