package io.quiver.local.bench;

import io.quiver.local.client.QuiverHttp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Search latency as one client sees it: {@code eventual} top-10 searches one after the other, timed
 * from request to parsed answer. The queries are distinct vectors, so none is answered from the
 * result cache unless the same query comes round again within its TTL.
 */
final class SearchLatency {

    static final int K = 10;

    private SearchLatency() {}

    /** Runs the queries in order, repeating them until {@code more} turns false, or once. */
    static double[] measure(
            QuiverHttp http, String collection, float[][] queries, BooleanSupplier more)
            throws IOException {
        return measure(http, collection, queries, more, System.nanoTime());
    }

    /**
     * As {@link #measure(QuiverHttp, String, float[][], BooleanSupplier)}, keeping only the
     * searches started at {@code fromNanos} ({@link System#nanoTime}) or later.
     */
    static double[] measure(
            QuiverHttp http,
            String collection,
            float[][] queries,
            BooleanSupplier more,
            long fromNanos)
            throws IOException {
        List<Double> ms = new ArrayList<>();
        int i = 0;
        do {
            float[] q = queries[i++ % queries.length];
            long t0 = System.nanoTime();
            http.search(collection, QuiverHttp.searchBody(q, K));
            if (t0 - fromNanos >= 0) {
                ms.add((System.nanoTime() - t0) / 1e6);
            }
        } while (more == null ? i < queries.length : more.getAsBoolean());
        double[] out = new double[ms.size()];
        for (int j = 0; j < out.length; j++) {
            out[j] = ms.get(j);
        }
        return out;
    }
}
