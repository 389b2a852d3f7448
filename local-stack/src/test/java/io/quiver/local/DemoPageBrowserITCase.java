package io.quiver.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The demo as a new user meets it: {@code scripts/quiver-local --demo} streams a small generated
 * data set in Fashion-MNIST's files (so CI needs no data package), then a real headless Chromium
 * loads {@code /ui}, searches with a test image and the neighbours appear in the page.
 *
 * <p>Chromium comes from Debian's {@code chromium} package ({@code .ci/run} installs it); it runs
 * with {@code --no-sandbox} because CI runs as root. {@code --virtual-time-budget} lets the page's
 * scripts and requests finish before {@code --dump-dom} prints the document.
 */
class DemoPageBrowserITCase {

    private static final Duration START_DEADLINE = Duration.ofMinutes(5);
    private static final Pattern HIT =
            Pattern.compile("<figure class=\"hit\" data-id=\"([^\"]+)\"");

    private Path workDir;
    private Process script;
    private Path output;
    private final Set<ProcessHandle> started = new HashSet<>();
    private boolean passed;

    @Test
    void demoPageShowsTheNeighboursOfATestImage() throws Exception {
        workDir = Files.createTempDirectory("quiver-demo-it-");
        Path data = workDir.resolve("idx");
        IdxTestData.write(data, 400, 30, 11);
        QuiverLocalScriptITCase.Ports ports = QuiverLocalScriptITCase.Ports.pick();
        Path root = QuiverLocalScriptITCase.repositoryRoot();
        output = workDir.resolve("quiver-local.out");
        ProcessBuilder builder =
                new ProcessBuilder(
                                "bash",
                                root.resolve("scripts/quiver-local").toString(),
                                "--demo",
                                "--data-dir",
                                workDir.resolve("data").toString(),
                                "--http-port",
                                String.valueOf(ports.http()),
                                "--flink-port",
                                String.valueOf(ports.flink()),
                                "--kafka-port",
                                String.valueOf(ports.kafka()),
                                "--qs-port",
                                String.valueOf(ports.qsProxy()),
                                "--qs-server-port",
                                String.valueOf(ports.qsServer()),
                                "--classpath",
                                QuiverLocalScriptITCase.testClasspath())
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("QUIVER_DEMO_DATA", data.toString());
        builder.environment().put("QUIVER_START_TIMEOUT", "240");
        script = builder.start();

        await("quiver-local --demo has loaded the data set")
                .atMost(START_DEADLINE)
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> {
                            script.descendants().forEach(started::add);
                            if (!script.isAlive()) {
                                throw new AssertionError(
                                        "quiver-local exited with "
                                                + script.exitValue()
                                                + "\n"
                                                + Files.readString(output, UTF_8));
                            }
                            return Files.readString(output, UTF_8).contains("demo: ready");
                        });
        assertThat(Files.readString(output, UTF_8)).contains("430 points searchable");

        String dom = dumpDom("http://127.0.0.1:" + ports.http() + "/ui?search=t3");
        List<String> hits = new ArrayList<>();
        Matcher m = HIT.matcher(dom);
        while (m.find()) {
            hits.add(m.group(1));
        }
        assertThat(hits).as("neighbours in the page:\n%s", dom).hasSize(12);
        // Test image 3 is a copy of train image 21: its own nearest neighbour, at distance 0.
        assertThat(hits.get(0)).isEqualTo("p21");
        assertThat(dom).contains("12 neighbours in").contains("ms round trip");
        assertThat(dom).contains("<figure class=\"query");

        script.destroy();
        assertThat(script.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(script.exitValue()).isZero();
        passed = true;
    }

    /** The document after the page's scripts ran, as headless Chromium prints it. */
    private String dumpDom(String url) throws IOException, InterruptedException {
        Path dom = workDir.resolve("dom.html");
        Path log = workDir.resolve("chromium.log");
        Process chromium =
                new ProcessBuilder(
                                "chromium",
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-dev-shm-usage",
                                "--user-data-dir=" + workDir.resolve("chromium-profile"),
                                "--virtual-time-budget=15000",
                                "--dump-dom",
                                url)
                        .redirectOutput(dom.toFile())
                        .redirectError(log.toFile())
                        .start();
        if (!chromium.waitFor(2, TimeUnit.MINUTES)) {
            chromium.descendants().forEach(ProcessHandle::destroyForcibly);
            chromium.destroyForcibly();
            throw new AssertionError("chromium did not finish within 2 minutes");
        }
        assertThat(chromium.exitValue())
                .as(
                        "chromium exit status (Debian: apt-get install -y chromium; .ci/run installs"
                                + " it)\n%s",
                        Files.readString(log, UTF_8))
                .isZero();
        return Files.readString(dom, UTF_8);
    }

    @AfterEach
    void stop() throws IOException {
        if (script != null && script.isAlive()) {
            script.descendants().forEach(started::add);
            script.destroyForcibly();
        }
        for (ProcessHandle child : started) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
        if (workDir != null) {
            if (passed) {
                QuiverLocalScriptITCase.deleteRecursively(workDir);
            } else {
                System.err.println("demo test output kept in " + workDir);
            }
        }
    }
}
