package io.quiver.local.bench;

import io.quiver.local.client.QuiverHttp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Search latency as one client sees it: {@code eventual} top-10 searches one after the other, timed
 * from request to parsed answer, each started no sooner than a period after the one before (0: as
 * soon as it answered). The queries are distinct vectors, so none is answered from the result cache
 * unless the same query comes round again within its TTL.
 */
final class SearchLatency {

    static final int K = 10;

    private SearchLatency() {}

    /** Runs the queries in order, one after the other, once. */
    static double[] measure(QuiverHttp http, String collection, float[][] queries)
            throws IOException, InterruptedException {
        return measure(http, collection, queries, null, System.nanoTime(), 0);
    }

    /**
     * Runs the queries in order, repeating them until {@code more} turns false (or once when it is
     * null), keeping only the searches started at {@code fromNanos} ({@link System#nanoTime}) or
     * later; a search starts {@code periodNanos} after the one before or, when that one took
     * longer, as soon as it answered.
     */
    static double[] measure(
            QuiverHttp http,
            String collection,
            float[][] queries,
            BooleanSupplier more,
            long fromNanos,
            long periodNanos)
            throws IOException, InterruptedException {
        List<Double> ms = new ArrayList<>();
        int i = 0;
        do {
            float[] q = queries[i++ % queries.length];
            long t0 = System.nanoTime();
            http.search(collection, QuiverHttp.searchBody(q, K));
            long t1 = System.nanoTime();
            if (t0 - fromNanos >= 0) {
                ms.add((t1 - t0) / 1e6);
            }
            long rest = t0 + periodNanos - t1;
            if (rest > 0) {
                TimeUnit.NANOSECONDS.sleep(rest);
            }
        } while (more == null ? i < queries.length : more.getAsBoolean());
        double[] out = new double[ms.size()];
        for (int j = 0; j < out.length; j++) {
            out[j] = ms.get(j);
        }
        return out;
    }
}
