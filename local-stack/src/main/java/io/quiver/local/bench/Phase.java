package io.quiver.local.bench;

/**
 * One measured phase of the HTTP benchmark as it is reported, whichever load generator ran it.
 *
 * @param requests requests answered correctly
 * @param errors requests that failed (connection errors, timeouts, non-2xx answers)
 * @param seconds wall time of the phase
 * @param p50Ms median latency, ms
 * @param p90Ms 90th percentile, ms
 * @param p99Ms 99th percentile, ms
 * @param p999Ms 99.9th percentile, ms
 * @param cpuMs CPU time the phase used: this JVM's (servers, and the Java client or the in-process
 *     searches) plus wrk's when wrk ran it; NaN when not measured
 */
record Phase(
        int requests,
        int errors,
        double seconds,
        double p50Ms,
        double p90Ms,
        double p99Ms,
        double p999Ms,
        double cpuMs) {

    static Phase of(Load.Result r, double cpuMs) {
        return new Phase(
                r.requests(),
                r.errors(),
                r.seconds(),
                r.percentileMs(50),
                r.percentileMs(90),
                r.percentileMs(99),
                r.percentileMs(99.9),
                cpuMs);
    }

    double qps() {
        return requests / seconds;
    }

    /**
     * CPU microseconds per answered request. Unlike throughput it hardly moves when other processes
     * share the cores, so it compares two paths measured on a busy machine.
     */
    double cpuMicrosPerRequest() {
        return requests == 0 ? Double.NaN : cpuMs * 1000 / requests;
    }

    /** This JVM's CPU time so far, ms. */
    static double jvmCpuMs() {
        return ((com.sun.management.OperatingSystemMXBean)
                                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1e6;
    }
}
