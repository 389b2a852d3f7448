package io.quiver.query.testing;

import io.quiver.query.write.TopicWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Records writes instead of sending them. Every record lands in partition {@code key length mod
 * partitions} at the next offset of that partition; {@code hang()} makes writes never complete.
 */
public final class FakeTopicWriter implements TopicWriter {

    public record Written(String topic, int partition, long offset, Entry entry) {}

    private final int partitions;
    private final Map<Integer, Long> next = new TreeMap<>();
    private final List<Written> written = new ArrayList<>();
    private BiConsumer<String, Written> onWrite = (t, w) -> {};
    private boolean hang;
    private RuntimeException failure;

    public FakeTopicWriter(int partitions) {
        this.partitions = partitions;
    }

    public FakeTopicWriter onWrite(BiConsumer<String, Written> onWrite) {
        this.onWrite = onWrite;
        return this;
    }

    public FakeTopicWriter hang() {
        this.hang = true;
        return this;
    }

    public FakeTopicWriter failWith(RuntimeException failure) {
        this.failure = failure;
        return this;
    }

    public synchronized List<Written> written() {
        return new ArrayList<>(written);
    }

    @Override
    public synchronized CompletableFuture<Map<Integer, Long>> write(
            String topic, List<Entry> records) {
        if (hang) {
            return new CompletableFuture<>();
        }
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        Map<Integer, Long> offsets = new TreeMap<>();
        for (Entry e : records) {
            int p = e.key().length % partitions;
            long o = next.merge(p, 1L, Long::sum) - 1;
            Written w = new Written(topic, p, o, e);
            written.add(w);
            offsets.merge(p, o, Math::max);
            onWrite.accept(topic, w);
        }
        return CompletableFuture.completedFuture(offsets);
    }

    @Override
    public void close() {}
}
