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
 * @param partsMs the same split by {@link ThreadCpu.Part} (the client part holds wrk's CPU when wrk
 *     ran the phase, the searching threads' in-process), or null when not measured
 */
record Phase(
        int requests,
        int errors,
        double seconds,
        double p50Ms,
        double p90Ms,
        double p99Ms,
        double p999Ms,
        double cpuMs,
        double[] partsMs) {

    /** An open-loop phase: no CPU figures. */
    static Phase of(Load.Result r) {
        return of(r, null);
    }

    /**
     * @param cpu the JVM's CPU split over the phase, or null
     */
    static Phase of(Load.Result r, ThreadCpu.Sample cpu) {
        double[] parts = null;
        if (cpu != null) {
            // The closed loop's workers have ended: move their CPU from "other" to the client.
            parts = cpu.millis().clone();
            parts[ThreadCpu.Part.CLIENT.ordinal()] += r.workerCpuMs();
            parts[ThreadCpu.Part.OTHER.ordinal()] =
                    Math.max(0, parts[ThreadCpu.Part.OTHER.ordinal()] - r.workerCpuMs());
        }
        return new Phase(
                r.requests(),
                r.errors(),
                r.seconds(),
                r.percentileMs(50),
                r.percentileMs(90),
                r.percentileMs(99),
                r.percentileMs(99.9),
                cpu == null ? Double.NaN : cpu.processMillis(),
                parts);
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

    /** CPU microseconds per answered request of one part, NaN when not measured. */
    double cpuMicrosPerRequest(ThreadCpu.Part part) {
        return requests == 0 || partsMs == null
                ? Double.NaN
                : partsMs[part.ordinal()] * 1000 / requests;
    }

    /** This JVM's CPU time so far, ms. */
    static double jvmCpuMs() {
        return ((com.sun.management.OperatingSystemMXBean)
                                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1e6;
    }
}
