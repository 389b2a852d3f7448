package io.quiver.local.bench;

import io.quiver.index.Metric;
import io.quiver.index.VectorIndex;
import io.quiver.index.flat.FlatIndex;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.shard.LiveCollection;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What keeping BM25 term statistics costs the index task thread: the same upserts with a text
 * payload into a collection whose rerank policy is bm25 (statistics kept) and into one without a
 * policy (none kept), for an HNSW index with the default parameters (what a collection pays) and
 * for a flat index (whose insert is nearly free, so the statistics' own cost shows). The two
 * collections of an index kind take the points in blocks of a twentieth, in alternating order, so
 * drifting load and the graph's growth hit both alike. Last, the time a spec change turning bm25 on
 * takes to count the points a collection already holds.
 *
 * <p>{@link LiveCollection} only: no Flink, RocksDB or decoding, whose cost every upsert pays
 * alike, so the ratios here are an upper bound of the effect on a whole upsert.
 */
final class Bm25WritePath {

    private static final String[] KINDS = {"hnsw", "flat"};

    /** One row of the results: per upsert, averaged over every block. */
    record Row(String index, String policy, int upserts, double microsPerUpsert) {}

    private final int dim;
    private final String[] ids;
    private final float[][] vectors;
    private final byte[][] payloads;

    /**
     * @param vectors the points' vectors, {@code dim} each
     * @param payloads their JSON payloads, each with the text in field {@code text}
     */
    Bm25WritePath(int dim, float[][] vectors, byte[][] payloads) {
        this.dim = dim;
        this.vectors = vectors;
        this.payloads = payloads;
        this.ids = new String[vectors.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.toString(i);
        }
    }

    /** Runs every measurement; {@code log} gets progress lines. */
    Result run(Consumer<String> log) {
        Map<String, Row> rows = new LinkedHashMap<>();
        LiveCollection counted = null;
        for (String kind : KINDS) {
            LiveCollection off = collection(spec(false), index(kind));
            LiveCollection on = collection(spec(true), index(kind));
            long[] nanos = new long[2];
            int block = Math.max(1, ids.length / 20);
            for (int from = 0, b = 0; from < ids.length; from += block, b++) {
                int to = Math.min(ids.length, from + block);
                for (int k = 0; k < 2; k++) {
                    int which = (b + k) % 2;
                    nanos[which] += upsert(which == 0 ? off : on, from, to);
                }
                if ((b + 1) % 5 == 0 || to == ids.length) {
                    log.accept(
                            String.format(
                                    Locale.ROOT,
                                    "write path, %s index: %d%% (%d/%d upserts per collection)",
                                    kind,
                                    100L * to / ids.length,
                                    to,
                                    ids.length));
                }
            }
            rows.put(kind + "_off", row(kind, "none", nanos[0]));
            rows.put(kind + "_on", row(kind, "bm25", nanos[1]));
            counted = off;
        }
        long start = System.nanoTime();
        counted.setSpec(spec(true), 16);
        double turnOnMillis = (System.nanoTime() - start) / 1e6;
        if (counted.termStats().docs() == 0) {
            throw new IllegalStateException("turning bm25 on counted no point");
        }
        return new Result(rows, turnOnMillis, ids.length);
    }

    private long upsert(LiveCollection c, int from, int to) {
        long start = System.nanoTime();
        for (int i = from; i < to; i++) {
            c.upsert(ids[i], vectors[i], payloads[i]);
        }
        return System.nanoTime() - start;
    }

    private Row row(String kind, String policy, long nanos) {
        return new Row(kind, policy, ids.length, nanos / 1e3 / ids.length);
    }

    private byte[] spec(boolean bm25) {
        String policy = bm25 ? ",\"rerank_policy\":{\"method\":\"bm25\"}" : "";
        return ("{\"dimension\":" + dim + ",\"metric\":\"l2\"" + policy + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private VectorIndex index(String kind) {
        return kind.equals("hnsw")
                ? HnswIndex.builder(dim, Metric.L2).build()
                : new FlatIndex(dim, Metric.L2);
    }

    private static LiveCollection collection(byte[] spec, VectorIndex index) {
        return new LiveCollection("write", spec, 16, index);
    }

    /** The rows by mode ({@code hnsw_off}, ...), and the turn-on count of the flat collection. */
    record Result(Map<String, Row> rows, double turnOnMillis, int points) {

        String csv() {
            StringBuilder csv = new StringBuilder("index,rerank_policy,upserts,us_per_upsert\n");
            for (Row r : rows.values()) {
                csv.append(
                        String.format(
                                Locale.ROOT,
                                "%s,%s,%d,%.3f%n",
                                r.index(),
                                r.policy(),
                                r.upserts(),
                                r.microsPerUpsert()));
            }
            return csv.toString();
        }

        String summary() {
            Row hnswOff = rows.get("hnsw_off");
            Row hnswOn = rows.get("hnsw_on");
            Row flatOff = rows.get("flat_off");
            Row flatOn = rows.get("flat_on");
            return String.format(
                    Locale.ROOT,
                    "write path, upsert with bm25 policy / without, hnsw index: %.3f (%.1f / %.1f"
                            + " us)%n"
                            + "write path, upsert with bm25 policy / without, flat index: %.3f"
                            + " (%.2f / %.2f us)%n"
                            + "term statistics per upsert (flat, with - without): %.2f us%n"
                            + "turning bm25 on for %d points: %.1f ms (%.2f us per point)%n",
                    hnswOn.microsPerUpsert() / hnswOff.microsPerUpsert(),
                    hnswOn.microsPerUpsert(),
                    hnswOff.microsPerUpsert(),
                    flatOn.microsPerUpsert() / flatOff.microsPerUpsert(),
                    flatOn.microsPerUpsert(),
                    flatOff.microsPerUpsert(),
                    flatOn.microsPerUpsert() - flatOff.microsPerUpsert(),
                    points,
                    turnOnMillis,
                    turnOnMillis * 1e3 / points);
        }
    }
}
