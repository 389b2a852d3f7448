package io.quiver.local;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code scripts/bench/e2e} working: its help, and its {@code --smoke} mode end to end (a
 * local stack of its own, a few thousand vectors, every phase, every output file). The figures of a
 * smoke run mean nothing and are not checked, only that each is there.
 */
class E2eBenchScriptITCase {

    private static final Pattern SUMMARY =
            Pattern.compile(
                    "ingest_vps=\\d+ core_build_vps=\\d+ freshness_p50_ms=[0-9.]+"
                            + " freshness_p99_ms=[0-9.]+ freshness_max_ms=[0-9.]+"
                            + " search_p99_idle_ms=[0-9.]+ search_p99_ingest_ms=[0-9.]+"
                            + " checkpoint_p99_ms=[0-9.]+");

    private Path workDir;
    private Process bench;
    private boolean passed;

    @Test
    void helpNamesEveryPhaseAndTheSummaryLine() throws Exception {
        workDir = Files.createTempDirectory("quiver-e2e-help-");
        Result r = run(List.of("--help"), 1);
        assertThat(r.status).isZero();
        assertThat(r.stdout)
                .contains(
                        "--quick", "--smoke", "--out DIR", "--storage", "freshness", "checkpoints")
                .contains("ingest_vps=... core_build_vps=...");
        passed = true;
    }

    @Test
    void smokeRunWritesEveryResultAndTheSummaryLine() throws Exception {
        workDir = Files.createTempDirectory("quiver-e2e-smoke-");
        Path out = workDir.resolve("out");
        Result r = run(List.of("--smoke", "--out", out.toString()), 10);
        assertThat(r.status).as("exit status; stderr:\n%s", r.stderr).isZero();
        List<String> lines = r.stdout.lines().toList();
        assertThat(lines).as("stdout").isNotEmpty();
        assertThat(lines.get(lines.size() - 1)).matches(SUMMARY);
        for (String file :
                List.of(
                        "summary.md",
                        "ingest-generated-3000x32.csv",
                        "ingest-generated-3000x32.png",
                        "freshness.csv",
                        "freshness.png",
                        "search-latency.csv",
                        "search-latency.png",
                        "checkpoints.csv",
                        "checkpoints.png")) {
            assertThat(out.resolve(file)).as(file).isNotEmptyFile();
        }
        assertThat(Files.readAllLines(out.resolve("freshness.csv"), UTF_8).get(0))
                .isEqualTo("marker,sent_s,latency_ms,answered_ms,sent_epoch_ms");
        assertThat(Files.readString(out.resolve("summary.md"), UTF_8))
                .contains("produce-to-searchable latency")
                .contains("search latency during ingest, ms (one client, 20 searches/s at most)")
                .contains(lines.get(lines.size() - 1));
        assertThat(r.stderr).contains("e2e: sustained ingest at").contains("Markers: ");
        passed = true;
    }

    private Result run(List<String> args, int minutes) throws Exception {
        Path root = QuiverLocalScriptITCase.repositoryRoot();
        List<String> command =
                new ArrayList<>(
                        List.of(
                                "bash",
                                root.resolve("scripts/bench/e2e").toString(),
                                "--classpath",
                                QuiverLocalScriptITCase.testClasspath()));
        command.addAll(args);
        Path stdout = workDir.resolve("stdout");
        Path stderr = workDir.resolve("stderr");
        bench =
                new ProcessBuilder(command)
                        .directory(root.toFile())
                        .redirectOutput(stdout.toFile())
                        .redirectError(stderr.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
        if (!bench.waitFor(minutes, TimeUnit.MINUTES)) {
            throw new AssertionError(
                    "scripts/bench/e2e did not finish within "
                            + minutes
                            + " min; stderr:\n"
                            + Files.readString(stderr, UTF_8));
        }
        return new Result(
                bench.exitValue(),
                Files.readString(stdout, UTF_8),
                Files.readString(stderr, UTF_8));
    }

    private record Result(int status, String stdout, String stderr) {}

    @AfterEach
    void cleanUp() throws Exception {
        if (bench != null && bench.isAlive()) {
            // The benchmark's JVM stops its stack on exit; the script's JVMs follow it.
            bench.descendants().forEach(ProcessHandle::destroyForcibly);
            bench.destroyForcibly();
        }
        if (workDir != null) {
            if (passed) {
                QuiverLocalScriptITCase.deleteRecursively(workDir);
            } else {
                System.err.println("e2e benchmark output kept in " + workDir);
            }
        }
    }
}
