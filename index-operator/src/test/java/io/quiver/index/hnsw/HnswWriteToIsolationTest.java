package io.quiver.index.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.Metric;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@link HnswIndex#writeTo} writes the index as of its start while writes and searches go on. */
class HnswWriteToIsolationTest {

    private static final long SEED = Long.getLong("quiver.test.seed", 41L);
    private static final int DIM = 16;

    @ParameterizedTest
    @EnumSource(Storage.class)
    void aSnapshotTakenDuringWritesHoldsExactlyTheGraphAtItsStart(Storage storage)
            throws Exception {
        float[][] vectors = TestVectors.clustered(SEED, 6000, DIM, 12);
        HnswIndex index =
                HnswIndex.builder(DIM, Metric.COSINE)
                        .storage(storage)
                        .efConstruction(48)
                        .calibrationSample(500)
                        .seed(SEED)
                        .build();
        for (int i = 0; i < 3000; i++) {
            index.upsert("v" + i, vectors[i]);
        }
        for (int i = 0; i < 3000; i += 9) {
            index.delete("v" + i);
        }
        ByteArrayOutputStream quiet = new ByteArrayOutputStream();
        index.writeTo(quiet);
        byte[] atStart = quiet.toByteArray();

        // The stream holds the serialization at its first byte, after the copy, until the index
        // has taken many more writes.
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ByteArrayOutputStream held = new ByteArrayOutputStream();
        OutputStream gate =
                new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        started.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException(e);
                        }
                        held.write(b, off, len);
                    }
                };
        CompletableFuture<Void> writing =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                index.writeTo(gate);
                            } catch (IOException e) {
                                throw new RuntimeException(e);
                            }
                        });
        assertThat(started.await(2, TimeUnit.MINUTES)).as("serialization started").isTrue();

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong searches = new AtomicLong();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread searcher =
                new Thread(
                        () -> {
                            int q = 0;
                            while (!stop.get()) {
                                try {
                                    index.search(vectors[q++ % vectors.length], 10, 40, null);
                                    searches.incrementAndGet();
                                } catch (Throwable t) {
                                    failures.add(t);
                                    return;
                                }
                            }
                        });
        searcher.start();
        // New points, replaced points and deletes, all while the serialization is held. With the
        // writer lock held for the whole write these would wait for the release, which never
        // comes: the deadline below turns that into a failure.
        CompletableFuture<Void> writes =
                CompletableFuture.runAsync(
                        () -> {
                            for (int i = 3000; i < 6000; i++) {
                                index.upsert("v" + i, vectors[i]);
                            }
                            for (int i = 1; i < 3000; i += 5) {
                                index.upsert("v" + i, vectors[(i * 7) % vectors.length]);
                            }
                            for (int i = 2; i < 6000; i += 11) {
                                index.delete("v" + i);
                            }
                        });
        writes.get(2, TimeUnit.MINUTES);
        while (searches.get() < 100 && failures.isEmpty()) {
            Thread.onSpinWait();
        }
        stop.set(true);
        searcher.join();
        release.countDown();
        writing.get(2, TimeUnit.MINUTES);

        assertThat(failures).isEmpty();
        assertThat(index.size()).isGreaterThan(5000);
        byte[] written = held.toByteArray();
        assertThat(written).as("bytes of the index as it was at the start").isEqualTo(atStart);
        HnswIndex restored = HnswIndex.readFrom(new ByteArrayInputStream(written), 1);
        assertThat(restored.size()).isEqualTo(3000 - 334);
    }
}
