package io.quiver.index.flat;

import io.quiver.index.Metric;
import io.quiver.index.SearchHits;
import io.quiver.index.VectorIndex;
import io.quiver.index.vector.VectorKernels;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;

/**
 * Exact search: every query is compared with every live vector. It is the {@code flat} index type
 * of a collection and the ground truth approximate indexes are measured against.
 *
 * <p>Vectors live in one contiguous {@code float[]} (slot {@code i} at {@code i * dimension}),
 * grown by {@link #GROWTH_CHUNK} slots at a time so that the scan is a sequential walk the distance
 * kernels vectorize well. A delete moves the last slot into the freed one, so live slots stay dense
 * and a scan never skips holes. Cosine vectors are normalized at insert and the query once per
 * search, so cosine is a dot product at search time.
 *
 * <p>Threading: one writer and any number of concurrent searchers, as {@link VectorIndex} requires.
 * A read-write lock guards the storage: a scan must not see a slot half-moved by a swap-remove nor
 * an array being replaced, and since a flat search is a linear scan anyway, the cost of a shared
 * lock per query is negligible next to the scan itself. The writer waits for running scans, which
 * bounds write latency by one scan of the collection (milliseconds for the collection sizes flat is
 * meant for).
 */
public final class FlatIndex implements VectorIndex {

    /** Slots added whenever the storage is full: large enough to make growth rare. */
    public static final int GROWTH_CHUNK = 1024;

    private final int dimension;
    private final Metric metric;
    private final VectorKernels kernels;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private float[] vectors;
    private String[] ids;
    private final Map<String, Integer> slots = new HashMap<>();
    private int size;

    public FlatIndex(int dimension, Metric metric) {
        this(dimension, metric, VectorKernels.get());
    }

    public FlatIndex(int dimension, Metric metric, VectorKernels kernels) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be >= 1, got " + dimension);
        }
        if (metric == null) {
            throw new IllegalArgumentException("metric must not be null");
        }
        this.dimension = dimension;
        this.metric = metric;
        this.kernels = kernels;
        this.vectors = new float[0];
        this.ids = new String[0];
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public Metric metric() {
        return metric;
    }

    @Override
    public void upsert(String id, float[] vector) {
        if (id == null) {
            throw new IllegalArgumentException("id must not be null");
        }
        checkDimension(vector, "vector");
        // Normalize outside the lock: only the copy into storage needs exclusion.
        float[] stored = metric == Metric.COSINE ? normalized(vector) : vector;
        lock.writeLock().lock();
        try {
            Integer slot = slots.get(id);
            int s;
            if (slot != null) {
                s = slot;
            } else {
                ensureCapacity(size + 1);
                s = size++;
                ids[s] = id;
                slots.put(id, s);
            }
            System.arraycopy(stored, 0, vectors, s * dimension, dimension);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public boolean delete(String id) {
        lock.writeLock().lock();
        try {
            Integer slot = slots.remove(id);
            if (slot == null) {
                return false;
            }
            int s = slot;
            int last = --size;
            if (s != last) {
                System.arraycopy(vectors, last * dimension, vectors, s * dimension, dimension);
                ids[s] = ids[last];
                slots.put(ids[s], s);
            }
            ids[last] = null;
            return true;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public int size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Whether {@code id} is live. */
    public boolean contains(String id) {
        lock.readLock().lock();
        try {
            return slots.containsKey(id);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public SearchHits search(float[] query, int k, int ef, Predicate<String> filter) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        checkDimension(query, "query");
        float[] q = metric == Metric.COSINE ? normalized(query) : query;
        TopK top = new TopK(k);
        lock.readLock().lock();
        try {
            for (int s = 0; s < size; s++) {
                if (filter != null && !filter.test(ids[s])) {
                    continue;
                }
                top.offer(distance(q, s * dimension), ids[s]);
            }
        } finally {
            lock.readLock().unlock();
        }
        return top.toHits(metric);
    }

    @Override
    public long ramBytesUsed() {
        lock.readLock().lock();
        try {
            // Array headers, plus per live id: the map entry (~48 B), the boxed slot (16 B) and
            // the String (~40 B + its bytes).
            long perId = 48 + 16 + 40;
            long idBytes = 0;
            for (int s = 0; s < size; s++) {
                idBytes += ids[s].length();
            }
            return 16L + 4L * vectors.length + 16L + 8L * ids.length + perId * size + idBytes + 64;
        } finally {
            lock.readLock().unlock();
        }
    }

    private float distance(float[] q, int offset) {
        switch (metric) {
            case L2:
                return kernels.squareDistance(q, 0, vectors, offset, dimension);
            case COSINE:
                return 1f - kernels.dot(q, 0, vectors, offset, dimension);
            default:
                return -kernels.dot(q, 0, vectors, offset, dimension);
        }
    }

    private void ensureCapacity(int slotsNeeded) {
        if (slotsNeeded <= ids.length) {
            return;
        }
        int capacity = ids.length + Math.max(GROWTH_CHUNK, ids.length / 2);
        vectors = Arrays.copyOf(vectors, Math.multiplyExact(capacity, dimension));
        ids = Arrays.copyOf(ids, capacity);
    }

    private void checkDimension(float[] vector, String what) {
        if (vector == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (vector.length != dimension) {
            throw new IllegalArgumentException(
                    what + " has " + vector.length + " dimensions, the index expects " + dimension);
        }
    }

    /** A unit-length copy of {@code v}; the zero vector stays zero (it matches nothing). */
    static float[] normalized(float[] v) {
        double norm = 0;
        for (float f : v) {
            norm += (double) f * f;
        }
        float[] out = new float[v.length];
        if (norm == 0) {
            return out;
        }
        float inv = (float) (1.0 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * inv;
        }
        return out;
    }

    /**
     * The k smallest distances seen so far, as a binary max-heap on distance so the worst kept
     * candidate is at the root and a better one replaces it in O(log k).
     */
    private static final class TopK {
        private final float[] dist;
        private final String[] ids;
        private int n;

        TopK(int k) {
            this.dist = new float[k];
            this.ids = new String[k];
        }

        void offer(float d, String id) {
            if (n < dist.length) {
                int i = n++;
                dist[i] = d;
                ids[i] = id;
                siftUp(i);
            } else if (d < dist[0]) {
                dist[0] = d;
                ids[0] = id;
                siftDown(0);
            }
        }

        SearchHits toHits(Metric metric) {
            String[] outIds = new String[n];
            float[] outScores = new float[n];
            // Pop the worst first, filling the arrays from the back: best first.
            for (int i = n - 1; i >= 0; i--) {
                outIds[i] = ids[0];
                outScores[i] = metric.score(dist[0]);
                n--;
                if (n > 0) {
                    dist[0] = dist[n];
                    ids[0] = ids[n];
                    siftDown(0);
                }
            }
            return new SearchHits(outIds, outScores);
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (dist[parent] >= dist[i]) {
                    return;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void siftDown(int i) {
            while (true) {
                int left = 2 * i + 1;
                if (left >= n) {
                    return;
                }
                int right = left + 1;
                int largest = right < n && dist[right] > dist[left] ? right : left;
                if (dist[i] >= dist[largest]) {
                    return;
                }
                swap(i, largest);
                i = largest;
            }
        }

        private void swap(int a, int b) {
            float d = dist[a];
            dist[a] = dist[b];
            dist[b] = d;
            String s = ids[a];
            ids[a] = ids[b];
            ids[b] = s;
        }
    }
}
