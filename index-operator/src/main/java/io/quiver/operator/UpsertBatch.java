package io.quiver.operator;

import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Upserts waiting to be applied together (see {@link BatchOptions}), and the points they leave for
 * each live collection once their records are in state. The task thread fills and drains it; {@link
 * #applyPoints()} hands each collection's points to that collection in one call, the calls for
 * different collections side by side on up to {@code threads} threads, and returns when all are
 * searchable. A collection has one writer at a time either way: each gets exactly one call. With
 * link lanes a call only queues the points' linking, so the writer uses one thread ({@code threads}
 * 1) and the lanes link on theirs.
 */
final class UpsertBatch {

    /** One collection's points of a batch; an id upserted twice keeps its last vector. */
    private static final class Points {
        final LiveCollection collection;
        final Map<String, Integer> slot = new LinkedHashMap<>();
        final List<String> ids = new ArrayList<>();
        final List<float[]> vectors = new ArrayList<>();
        final List<byte[]> payloads = new ArrayList<>();

        Points(LiveCollection collection) {
            this.collection = collection;
        }

        void add(String id, float[] vector, byte[] payload) {
            Integer at = slot.putIfAbsent(id, ids.size());
            if (at == null) {
                ids.add(id);
                vectors.add(vector);
                payloads.add(payload);
            } else {
                vectors.set(at, vector);
                payloads.set(at, payload);
            }
        }

        void apply() {
            collection.upsertAll(
                    ids.toArray(new String[0]),
                    vectors.toArray(new float[0][]),
                    payloads.toArray(new byte[0][]));
        }
    }

    private final int threads;
    private final List<LiveShard> shards = new ArrayList<>();
    private final List<ShardOp> ops = new ArrayList<>();
    private final Map<LiveCollection, Points> points = new IdentityHashMap<>();
    private final List<Points> order = new ArrayList<>();
    private long[] timestamps = new long[64];
    private ExecutorService executor;

    UpsertBatch(int threads) {
        this.threads = threads;
    }

    /**
     * Buffers an upsert that is not applied yet; {@code timestamp} is its record's Kafka timestamp,
     * or {@link ShardWriter#NO_TIMESTAMP}.
     */
    void add(LiveShard shard, ShardOp op, long timestamp) {
        if (ops.size() == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, timestamps.length * 2);
        }
        timestamps[ops.size()] = timestamp;
        shards.add(shard);
        ops.add(op);
    }

    /** The buffered upserts' record timestamps, in arrival order. */
    long[] timestamps() {
        return Arrays.copyOf(timestamps, ops.size());
    }

    int size() {
        return ops.size();
    }

    boolean isEmpty() {
        return ops.isEmpty();
    }

    LiveShard shard(int i) {
        return shards.get(i);
    }

    ShardOp op(int i) {
        return ops.get(i);
    }

    /** Forgets the buffered upserts, once their records are in state and their points queued. */
    void clearOps() {
        shards.clear();
        ops.clear();
    }

    /** Queues a point for {@code collection}, whose record is already in state. */
    void addPoint(LiveCollection collection, String id, float[] vector, byte[] payload) {
        Points p = points.get(collection);
        if (p == null) {
            p = new Points(collection);
            points.put(collection, p);
            order.add(p);
        }
        p.add(id, vector, payload);
    }

    /** Applies every queued point to its collection and returns when all are searchable. */
    void applyPoints() throws Exception {
        try {
            if (order.size() <= 1 || threads <= 1) {
                for (Points p : order) {
                    p.apply();
                }
                return;
            }
            if (executor == null) {
                executor =
                        Executors.newFixedThreadPool(
                                threads,
                                r -> {
                                    Thread t = new Thread(r, "quiver-upsert-batch");
                                    t.setDaemon(true);
                                    return t;
                                });
            }
            List<Future<?>> running = new ArrayList<>(order.size());
            for (Points p : order) {
                running.add(executor.submit(p::apply));
            }
            Throwable failed = null;
            // Every call is waited for, failed or not: none may still write when this returns.
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (failed == null) {
                        failed = e.getCause();
                    }
                }
            }
            if (failed instanceof Exception) {
                throw (Exception) failed;
            }
            if (failed != null) {
                throw (Error) failed;
            }
        } finally {
            points.clear();
            order.clear();
        }
    }

    /** Stops the threads. */
    void close() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }
}
