package io.quiver.local.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;

/**
 * CPU time of this JVM's threads by the part of the benchmark they belong to, told apart by thread
 * name: the query server's event loops ({@code quiver-io-*}, {@code quiver-http-boss-*}), the shard
 * server's threads ({@code quiver-shard-*}: event loops, search pool, timer), and the client
 * threads of the benchmark itself (the closed-loop workers, which run the searches in-process, and
 * Java's HTTP client). Whatever the process used beyond them (JIT compilers, GC, the Kafka broker
 * of the catalog) is "other".
 */
final class ThreadCpu {

    /** CPU milliseconds per part, in the order of {@link Part}. */
    record Sample(double[] millis, double processMillis) {

        /** {@code this - earlier}, with "other" as the process's CPU beyond the named parts. */
        Sample since(Sample earlier) {
            double[] d = new double[millis.length];
            double named = 0;
            for (int i = 0; i < d.length; i++) {
                d[i] = millis[i] - earlier.millis[i];
                named += d[i];
            }
            double process = processMillis - earlier.processMillis;
            d[Part.OTHER.ordinal()] = Math.max(0, process - named);
            return new Sample(d, process);
        }

        double millis(Part part) {
            return millis[part.ordinal()];
        }
    }

    enum Part {
        QUERY_SERVER,
        SHARD_SERVER,
        CLIENT,
        OTHER
    }

    private ThreadCpu() {}

    static Sample sample() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = threads.getAllThreadIds();
        long[] cpu = threads.getThreadCpuTime(ids);
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        double[] millis = new double[Part.values().length];
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] == null || cpu[i] < 0) {
                continue;
            }
            Part part = partOf(infos[i].getThreadName());
            if (part != Part.OTHER) {
                millis[part.ordinal()] += cpu[i] / 1e6;
            }
        }
        return new Sample(millis, Phase.jvmCpuMs());
    }

    /** Thread name prefixes by part; the query server's come first ("quiver-shard-directory"). */
    private static final String[][] PREFIXES = {
        {"quiver-io", "quiver-http-boss", "quiver-shard-directory"},
        {"quiver-shard"},
        // The closed loop's workers ("bench-closed-*") are left to Load, which times them itself.
        {"bench-in-process", "HttpClient-"}
    };

    /** Linux keeps the first 15 characters of a thread's name as its {@code comm}. */
    private static final int COMM_LENGTH = 15;

    static Part partOf(String thread) {
        return partOf(thread, Integer.MAX_VALUE);
    }

    /** {@link #partOf} of a thread known by the first 15 characters of its name (Linux). */
    static Part partOfComm(String comm) {
        return partOf(comm, COMM_LENGTH);
    }

    private static Part partOf(String thread, int kept) {
        for (int part = 0; part < PREFIXES.length; part++) {
            for (String prefix : PREFIXES[part]) {
                if (thread.startsWith(prefix.substring(0, Math.min(kept, prefix.length())))) {
                    return Part.values()[part];
                }
            }
        }
        return Part.OTHER;
    }
}
