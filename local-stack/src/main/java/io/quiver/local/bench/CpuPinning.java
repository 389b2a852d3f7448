package io.quiver.local.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Pins this JVM's threads (chosen by name) and child processes to one CPU each, with util-linux's
 * {@code taskset}, so that one benchmark phase can give each tier of a deployment a core of its own
 * on a single machine. Linux only: threads are found under {@code /proc/self/task}, whose {@code
 * comm} holds the first 15 characters of a Java thread's name.
 */
final class CpuPinning {

    private static final Path TASKS = Path.of("/proc/self/task");

    private CpuPinning() {}

    /** Whether pinning works here: Linux with {@code taskset} on the PATH and at least two CPUs. */
    static boolean available() {
        if (Runtime.getRuntime().availableProcessors() < 2 || !Files.isDirectory(TASKS)) {
            return false;
        }
        try {
            return run(List.of("taskset", "-p", Long.toString(ProcessHandle.current().pid())));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Pins every live thread whose name (its first 15 characters) {@code name} accepts to {@code
     * cpu}; returns how many. Threads started later are not pinned.
     */
    static int pin(Predicate<String> name, int cpu) throws IOException {
        int pinned = 0;
        for (String tid : threadsNamed(name)) {
            if (run(List.of("taskset", "-p", "-c", Integer.toString(cpu), tid))) {
                pinned++;
            }
        }
        return pinned;
    }

    /** Pins the calling thread to {@code cpu}. */
    static void pinCurrentThread(int cpu) throws IOException {
        // "/proc/thread-self" links to "<pid>/task/<tid>".
        String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        if (!run(List.of("taskset", "-p", "-c", Integer.toString(cpu), tid))) {
            throw new IOException("taskset could not pin thread " + tid + " to CPU " + cpu);
        }
    }

    /** Lets every thread of this JVM run on every CPU again. */
    static void unpinAll() throws IOException {
        String all = "0-" + (Runtime.getRuntime().availableProcessors() - 1);
        run(
                List.of(
                        "taskset",
                        "-a",
                        "-p",
                        "-c",
                        all,
                        Long.toString(ProcessHandle.current().pid())));
    }

    /** {@code command} run on {@code cpu} only. */
    static List<String> onCpu(int cpu, List<String> command) {
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", Integer.toString(cpu)));
        pinned.addAll(command);
        return pinned;
    }

    private static List<String> threadsNamed(Predicate<String> name) throws IOException {
        List<String> tids = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                String comm;
                try {
                    comm = Files.readString(task.resolve("comm")).strip();
                } catch (IOException gone) {
                    continue; // the thread ended meanwhile
                }
                if (name.test(comm)) {
                    tids.add(task.getFileName().toString());
                }
            }
        }
        return tids;
    }

    private static boolean run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            // taskset prints the old and new affinity.
            in.transferTo(OutputStream.nullOutputStream());
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + String.join(" ", command), e);
        }
        return p.exitValue() == 0;
    }
}
