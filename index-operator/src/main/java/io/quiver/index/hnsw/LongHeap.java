package io.quiver.index.hnsw;

import java.util.Arrays;

/**
 * A binary min-heap of longs that grows but never shrinks, so a reused heap allocates nothing once
 * warm. Search queues pack a distance and a node into one long (see {@link Packed}); a max-heap is
 * this heap over the complements ({@code ~x} reverses the order of all longs).
 */
final class LongHeap {

    private long[] heap;
    private int size;

    LongHeap(int initialCapacity) {
        heap = new long[Math.max(2, initialCapacity + 1)];
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        size = 0;
    }

    void push(long value) {
        if (++size == heap.length) {
            heap = Arrays.copyOf(heap, heap.length * 2);
        }
        int i = size;
        // Sift up with a hole instead of swaps.
        while (i > 1) {
            int parent = i >>> 1;
            long p = heap[parent];
            if (p <= value) {
                break;
            }
            heap[i] = p;
            i = parent;
        }
        heap[i] = value;
    }

    long peek() {
        assert size > 0 : "peek on an empty heap";
        return heap[1];
    }

    long pop() {
        assert size > 0 : "pop on an empty heap";
        long top = heap[1];
        long last = heap[size--];
        int i = 1;
        int half = size >>> 1;
        while (i <= half) {
            int child = i << 1;
            long c = heap[child];
            if (child < size && heap[child + 1] < c) {
                c = heap[++child];
            }
            if (last <= c) {
                break;
            }
            heap[i] = c;
            i = child;
        }
        if (size > 0) {
            heap[i] = last;
        }
        return top;
    }

    /** Replaces the top with {@code value} (one sift instead of a pop and a push). */
    void replaceTop(long value) {
        assert size > 0 : "replaceTop on an empty heap";
        int i = 1;
        int half = size >>> 1;
        while (i <= half) {
            int child = i << 1;
            long c = heap[child];
            if (child < size && heap[child + 1] < c) {
                c = heap[++child];
            }
            if (value <= c) {
                break;
            }
            heap[i] = c;
            i = child;
        }
        heap[i] = value;
    }
}
