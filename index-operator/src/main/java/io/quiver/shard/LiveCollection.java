package io.quiver.shard;

import io.quiver.index.VectorIndex;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One collection's searchable data inside one shard: its index and the payloads by id (so a search
 * can answer {@code with_payload} without touching Flink state, which is not thread-safe).
 *
 * <p>Memory: payloads are kept on heap as their UTF-8 JSON bytes, at most 64 KiB each; a collection
 * with large payloads costs their full size twice (RocksDB holds the durable copy).
 *
 * <p>The index task thread writes, shard server threads read.
 */
public final class LiveCollection {

    private final String name;
    private volatile byte[] spec;
    private volatile int defaultEf;
    private final VectorIndex index;
    private final Map<String, byte[]> payloads = new ConcurrentHashMap<>();

    /**
     * @param defaultEf the search candidate list size used when a request leaves {@code ef} at 0
     */
    public LiveCollection(String name, byte[] spec, int defaultEf, VectorIndex index) {
        this.name = name;
        this.spec = spec;
        this.defaultEf = defaultEf;
        this.index = index;
    }

    public String name() {
        return name;
    }

    /** The collection spec as JSON bytes (as on the collections topic). */
    public byte[] spec() {
        return spec;
    }

    /** Replaces the spec after a change that keeps the index valid (same dimension and kind). */
    public void setSpec(byte[] spec, int defaultEf) {
        this.spec = spec;
        this.defaultEf = defaultEf;
    }

    /** The collection's {@code ef} for searches that do not choose one. */
    public int defaultEf() {
        return defaultEf;
    }

    public VectorIndex index() {
        return index;
    }

    /** The payload of {@code id}, or null. */
    public byte[] payload(String id) {
        return payloads.get(id);
    }

    /** Writer only. */
    public void upsert(String id, float[] vector, byte[] payload) {
        index.upsert(id, vector);
        if (payload == null) {
            payloads.remove(id);
        } else {
            payloads.put(id, payload);
        }
    }

    /** Writer only. */
    public void delete(String id) {
        index.delete(id);
        payloads.remove(id);
    }

    /** Heap bytes of the index plus the payloads. */
    public long ramBytesUsed() {
        long bytes = index.ramBytesUsed();
        for (byte[] p : payloads.values()) {
            bytes += 16 + p.length + 48;
        }
        return bytes;
    }
}
