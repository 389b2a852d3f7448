package io.quiver.query.catalog;

import io.quiver.schemas.avro.CollectionSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The collections this server knows: name to spec, as read from the compacted collections topic (a
 * {@link CatalogReader} feeds it; tests may call {@link #apply} directly).
 *
 * <p>Besides the specs it tracks how far it has read each partition, so a writer can wait until its
 * own write is visible here ({@link #awaitSeen}): a {@code PUT /collections/x} answers only once a
 * following {@code GET /collections/x} on this server finds it. Thread-safe.
 */
public final class CollectionCatalog {

    private final Map<String, CollectionSpec> specs = new ConcurrentHashMap<>();

    // Guarded by "this": next offset to read per partition, and writers waiting for a position.
    private final Map<Integer, Long> positions = new HashMap<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private volatile boolean loaded;

    private record Waiter(int partition, long offset, CompletableFuture<Void> future) {}

    /** The spec of {@code name}, if the collection exists. */
    public Optional<CollectionSpec> get(String name) {
        return Optional.ofNullable(specs.get(name));
    }

    /** Every known collection, by name. */
    public List<CollectionSpec> list() {
        List<CollectionSpec> all = new ArrayList<>(specs.values());
        all.sort(Comparator.comparing(CollectionSpec::getName));
        return all;
    }

    /**
     * Whether the catalog has read the topic up to where it ended when the server started. Before
     * that, an unknown collection may exist all the same.
     */
    public boolean isLoaded() {
        return loaded;
    }

    /** Records that the start-up read is complete. */
    public void markLoaded() {
        loaded = true;
    }

    /**
     * Applies one record of the collections topic: a spec, or a deletion when {@code spec} is null.
     * {@code offset} is the record's offset in {@code partition}.
     */
    public void apply(String name, CollectionSpec spec, int partition, long offset) {
        if (spec == null) {
            specs.remove(name);
        } else {
            specs.put(name, spec);
        }
        advance(partition, offset + 1);
    }

    /**
     * Records that every record of {@code partition} before {@code nextOffset} has been applied
     * (the consumer's position moves past skipped and compacted records too).
     */
    public void advance(int partition, long nextOffset) {
        List<CompletableFuture<Void>> done = new ArrayList<>();
        synchronized (this) {
            positions.merge(partition, nextOffset, Math::max);
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.partition == partition && w.offset < nextOffset) {
                    done.add(w.future);
                    it.remove();
                }
            }
        }
        // Completed outside the lock: callers continue on this thread.
        done.forEach(f -> f.complete(null));
    }

    /**
     * A future completed once the record at {@code offset} of {@code partition} has been applied.
     * The caller bounds the wait (e.g. {@code orTimeout}); a timed-out waiter is dropped at the
     * next {@link #advance} of its partition or when {@link #close} runs.
     */
    public CompletableFuture<Void> awaitSeen(int partition, long offset) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        synchronized (this) {
            Long pos = positions.get(partition);
            if (pos != null && pos > offset) {
                return CompletableFuture.completedFuture(null);
            }
            waiters.removeIf(w -> w.future.isDone());
            waiters.add(new Waiter(partition, offset, f));
        }
        return f;
    }

    /** Fails every pending waiter; the catalog will not advance any more. */
    public void close() {
        List<Waiter> pending;
        synchronized (this) {
            pending = new ArrayList<>(waiters);
            waiters.clear();
        }
        pending.forEach(
                w ->
                        w.future.completeExceptionally(
                                new IllegalStateException("collection catalog closed")));
    }
}
