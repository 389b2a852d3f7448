package io.quiver.local;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs a script under {@code scripts/bench} as a user would, on the test's own classpath (so no
 * build or install happens), with a small heap, no input and at most 180 s; its combined output
 * goes to a log under the given directory.
 */
final class BenchScripts {

    /** A finished run: its exit status and everything it printed. */
    record Run(int exit, String output) {}

    private BenchScripts() {}

    static Run run(Path logDir, String script, String... args)
            throws IOException, InterruptedException {
        Path root = repositoryRoot(script);
        Path log = logDir.resolve("script-" + System.nanoTime() + ".log");
        String[] command = new String[args.length + 2];
        command[0] = "bash";
        command[1] = root.resolve("scripts/bench/" + script).toString();
        System.arraycopy(args, 0, command, 2, args.length);
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .directory(root.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().put("QUIVER_CLASSPATH", testClasspath());
        builder.environment().put("QUIVER_BENCH_HEAP", "512m");
        Process p = builder.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(
                    "the script did not finish:\n" + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static String testClasspath() {
        // Failsafe may launch through a manifest-only jar; this property holds the real classpath.
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    private static Path repositoryRoot(String script) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/bench/" + script))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "no scripts/bench/" + script + " above " + Path.of("").toAbsolutePath());
    }
}
