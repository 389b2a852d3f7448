package io.quiver.shard;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * What the shard server can see of one shard owned by an index operator in this JVM: its
 * collections, the upserts-topic offsets it has applied and whether it is ready.
 *
 * <p>The operator's task thread is the only writer; shard server threads read concurrently. Applied
 * offsets are an immutable snapshot replaced on every marker, so a reader always sees one
 * consistent map.
 */
public final class LiveShard {

    private final int shard;
    private final Map<String, LiveCollection> collections = new ConcurrentHashMap<>();
    private final AtomicLong searches = new AtomicLong();
    private volatile AppliedOffsets applied = AppliedOffsets.EMPTY;
    private volatile boolean ready;
    private volatile LongConsumer searchObserver = nanos -> {};

    public LiveShard(int shard) {
        this.shard = shard;
    }

    public int shard() {
        return shard;
    }

    public LiveCollection collection(String name) {
        return collections.get(name);
    }

    public Map<String, LiveCollection> collections() {
        return collections;
    }

    public void putCollection(LiveCollection collection) {
        collections.put(collection.name(), collection);
    }

    public void removeCollection(String name) {
        collections.remove(name);
    }

    public AppliedOffsets applied() {
        return applied;
    }

    /** Raises the applied offset of {@code partition}; never lowers it. */
    public void advance(int partition, long offset) {
        applied = applied.advance(partition, offset);
    }

    public void setApplied(AppliedOffsets offsets) {
        applied = offsets;
    }

    public boolean ready() {
        return ready;
    }

    public void setReady(boolean ready) {
        this.ready = ready;
    }

    /** Live vectors over all collections, linked into their indexes yet or not. */
    public long vectorCount() {
        long n = 0;
        for (LiveCollection c : collections.values()) {
            n += c.size();
        }
        return n;
    }

    /** Counts one search served, for the operator's metrics. */
    public void countSearch() {
        searches.incrementAndGet();
    }

    /**
     * Counts one search served that took {@code nanos} and hands the duration to the observer the
     * owning operator set; called from shard server threads, so the observer must be thread-safe.
     */
    public void countSearch(long nanos) {
        searches.incrementAndGet();
        searchObserver.accept(nanos);
    }

    /** Sets who hears of every timed search (the operator's latency histogram). */
    public void observeSearches(LongConsumer observer) {
        searchObserver = observer;
    }

    public long searches() {
        return searches.get();
    }
}
