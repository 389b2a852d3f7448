package io.quiver.local.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Closed-loop HTTP load from Debian's {@code wrk} (4.1), a separate process written in C, so the
 * load generator costs far less CPU than a Java client in the server's JVM would. A Lua script
 * sends the request bodies in turn (one JSON body per line of a file, formatted into requests once
 * per wrk thread) and prints the percentiles from wrk's {@code done()} hook on one line that is
 * parsed here.
 *
 * <p>wrk measures from sending to the last byte of the answer, per connection, so only closed-loop
 * figures come from it; the open-loop latency (requests due at a fixed rate) stays with the Java
 * client, since {@code wrk2}'s constant-rate mode is not packaged by Debian.
 */
final class WrkLoad {

    private static final String RESULT_PREFIX = "wrk-result ";

    private final Path script;
    private final String url;
    private final int threads;

    /**
     * @param dir where the Lua script and the bodies file are written
     * @param url the URL every request goes to (POST)
     * @param bodies request bodies, sent in turn; none may hold a line break
     * @param threads wrk threads (each keeps its own copy of the formatted requests)
     */
    WrkLoad(Path dir, String url, List<byte[]> bodies, int threads) throws IOException {
        Path bodiesFile = dir.resolve("wrk-bodies.jsonl");
        try (var out = Files.newOutputStream(bodiesFile)) {
            for (byte[] b : bodies) {
                for (byte c : b) {
                    if (c == '\n' || c == '\r') {
                        throw new IllegalArgumentException("a request body holds a line break");
                    }
                }
                out.write(b);
                out.write('\n');
            }
        }
        this.script = dir.resolve("wrk-bodies.lua");
        Files.writeString(script, lua(bodiesFile), StandardCharsets.UTF_8);
        this.url = url;
        this.threads = threads;
    }

    /** Whether a {@code wrk} binary is on the PATH. */
    static boolean available() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "wrk"))) {
                return true;
            }
        }
        return false;
    }

    /** The script: every thread reads the bodies, formats each request once, then cycles. */
    private static String lua(Path bodiesFile) {
        String path =
                bodiesFile.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"");
        return String.join(
                "\n",
                "-- Written by io.quiver.local.bench.WrkLoad for one benchmark run.",
                "local reqs = {}",
                "local n = 0",
                "local i = 0",
                "function init(args)",
                "  local headers = {[\"Content-Type\"] = \"application/json\"}",
                "  for line in io.lines(\"" + path + "\") do",
                "    n = n + 1",
                "    reqs[n] = wrk.format(\"POST\", nil, headers, line)",
                "  end",
                "end",
                "function request()",
                "  i = i % n + 1",
                "  return reqs[i]",
                "end",
                "function done(summary, latency, requests)",
                "  local e = summary.errors",
                "  io.write(string.format(\""
                        + RESULT_PREFIX
                        + "requests=%d duration_us=%d"
                        + " errors=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d\\n\",",
                "    summary.requests, summary.duration,",
                "    e.connect + e.read + e.write + e.status + e.timeout,",
                "    latency:percentile(50), latency:percentile(90),",
                "    latency:percentile(99), latency:percentile(99.9)))",
                "end",
                "");
    }

    /**
     * Runs wrk with {@code connections} connections for {@code seconds} (whole seconds, at least
     * one: wrk takes no smaller unit).
     *
     * @throws IOException when wrk fails or prints no result line
     */
    Phase closedLoop(int connections, double seconds) throws IOException, InterruptedException {
        return closedLoop(connections, seconds, -1);
    }

    /**
     * {@link #closedLoop(int, double)} with wrk pinned to {@code cpu} ({@link CpuPinning}), or not
     * pinned when {@code cpu} is negative.
     */
    Phase closedLoop(int connections, double seconds, int cpu)
            throws IOException, InterruptedException {
        long whole = Math.max(1, Math.round(seconds));
        // bash's times builtin prints the CPU its children (wrk) used, on its last line.
        List<String> command =
                List.of(
                        "bash",
                        "-c",
                        "wrk \"$@\"; rc=$?; times; exit $rc",
                        "wrk",
                        "-t",
                        Integer.toString(Math.min(threads, connections)),
                        "-c",
                        Integer.toString(connections),
                        "-d",
                        whole + "s",
                        "-s",
                        script.toString(),
                        url);
        if (cpu >= 0) {
            command = CpuPinning.onCpu(cpu, command);
        }
        ThreadCpu.Sample before = ThreadCpu.sample();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(whole + 60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("wrk did not finish: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            throw new IOException("wrk exited with " + p.exitValue() + ":\n" + output);
        }
        return parse(output, ThreadCpu.sample().since(before));
    }

    private static final Pattern TIMES = Pattern.compile("^(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s$");

    /**
     * The phase from wrk's output: the line the script's {@code done()} prints, and the CPU time of
     * wrk from the last line of bash's {@code times}, added to {@code jvmCpu} as its client part.
     */
    static Phase parse(String output, ThreadCpu.Sample jvmCpu) throws IOException {
        String[] lines = output.strip().split("\n");
        Matcher times = TIMES.matcher(lines[lines.length - 1].strip());
        double wrkCpuMs = Double.NaN;
        if (times.matches()) {
            wrkCpuMs =
                    (Long.parseLong(times.group(1)) * 60 + Double.parseDouble(times.group(2)))
                                    * 1000
                            + (Long.parseLong(times.group(3)) * 60
                                            + Double.parseDouble(times.group(4)))
                                    * 1000;
        }
        for (String line : lines) {
            if (!line.startsWith(RESULT_PREFIX)) {
                continue;
            }
            Map<String, Long> v = new HashMap<>();
            for (String kv : line.substring(RESULT_PREFIX.length()).trim().split(" ")) {
                String[] pair = kv.split("=", 2);
                v.put(pair[0], Long.parseLong(pair[1]));
            }
            double[] parts = jvmCpu.millis().clone();
            parts[ThreadCpu.Part.CLIENT.ordinal()] += wrkCpuMs;
            long requests = v.get("requests");
            long errors = v.get("errors");
            return new Phase(
                    (int) Math.max(0, requests - errors),
                    (int) errors,
                    v.get("duration_us") / 1e6,
                    v.get("p50_us") / 1e3,
                    v.get("p90_us") / 1e3,
                    v.get("p99_us") / 1e3,
                    v.get("p999_us") / 1e3,
                    jvmCpu.processMillis() + wrkCpuMs,
                    parts);
        }
        throw new IOException("wrk printed no result line:\n" + output);
    }

    /** The command line a user would type for the same load (for the log). */
    String describe(int connections) {
        List<String> parts = new ArrayList<>();
        parts.add(
                String.format(
                        Locale.ROOT,
                        "wrk -t %d -c %d",
                        Math.min(threads, connections),
                        connections));
        parts.add("-s " + script);
        parts.add(url);
        return String.join(" ", parts);
    }
}
