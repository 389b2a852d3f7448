package io.quiver.operator.snapshot;

import io.quiver.index.hnsw.CorruptIndexException;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.index.hnsw.VectorSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;

/**
 * One serialized HNSW graph cut into chunks, with its {@link SnapshotHeader}. Chunks are at most
 * {@link #CHUNK_BYTES} long, so no single state value gets large (RocksDB and the checkpoint
 * streams handle a few MiB per value well, hundreds of MiB badly).
 */
public final class GraphSnapshot {

    /** 4 MiB: large enough that a 200k x 128 graph is ~30 values, small enough per value. */
    public static final int CHUNK_BYTES = 4 << 20;

    private final SnapshotHeader header;
    private final List<byte[]> chunks;

    public GraphSnapshot(SnapshotHeader header, List<byte[]> chunks) {
        this.header = header;
        this.chunks = Collections.unmodifiableList(chunks);
    }

    /**
     * Serializes {@code index} as snapshot {@code epoch}, without the vectors of its live points
     * ({@link HnswIndex#writeGraphTo}): the shard's records hold them, and {@link #read} takes them
     * from there. The index's writer lock is held only for an in-memory copy, so the bytes are one
     * consistent state while searches and writes go on; call it off the task thread.
     */
    public static GraphSnapshot write(HnswIndex index, long epoch, int chunkBytes)
            throws IOException {
        ChunkingStream out = new ChunkingStream(chunkBytes);
        index.writeGraphTo(out);
        out.close();
        SnapshotHeader header =
                new SnapshotHeader(
                        SnapshotHeader.VERSION,
                        epoch,
                        out.chunks.size(),
                        out.total,
                        out.crc.getValue());
        return new GraphSnapshot(header, out.chunks);
    }

    /**
     * Reads the index back after checking the chunks against the header.
     *
     * @param buildThreads threads of the restored index's later bulk loads and rebuilds
     * @throws CorruptIndexException when a chunk is missing or the bytes fail their checksum
     */
    public static HnswIndex read(SnapshotHeader header, List<byte[]> chunks, int buildThreads)
            throws IOException {
        return read(header, chunks, buildThreads, null);
    }

    /**
     * Like {@link #read(SnapshotHeader, List, int)}; {@code vectors} gives each live point's vector
     * by id, as stored in the shard's records (see {@link HnswIndex#readFrom(InputStream, int,
     * VectorSource)}).
     */
    public static HnswIndex read(
            SnapshotHeader header, List<byte[]> chunks, int buildThreads, VectorSource vectors)
            throws IOException {
        if (chunks.size() != header.chunkCount()) {
            throw new CorruptIndexException(
                    "snapshot "
                            + header.epoch()
                            + " has "
                            + chunks.size()
                            + " chunks, its header says "
                            + header.chunkCount());
        }
        CRC32 crc = new CRC32();
        long total = 0;
        List<InputStream> parts = new ArrayList<>(chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            byte[] chunk = chunks.get(i);
            if (chunk == null) {
                throw new CorruptIndexException("snapshot " + header.epoch() + " lacks chunk " + i);
            }
            crc.update(chunk);
            total += chunk.length;
            parts.add(new ByteArrayInputStream(chunk));
        }
        if (total != header.totalBytes() || crc.getValue() != header.crc32()) {
            throw new CorruptIndexException(
                    "snapshot "
                            + header.epoch()
                            + " fails its checksum ("
                            + total
                            + " bytes, header says "
                            + header.totalBytes()
                            + ")");
        }
        try (InputStream in = new SequenceInputStream(Collections.enumeration(parts))) {
            return HnswIndex.readFrom(in, buildThreads, vectors);
        }
    }

    public SnapshotHeader header() {
        return header;
    }

    public List<byte[]> chunks() {
        return chunks;
    }

    /**
     * Collects written bytes into chunks of a fixed size and checksums them on the way. A chunk's
     * buffer starts at {@value #FIRST_BUFFER} bytes and doubles up to the chunk size: most shard
     * graphs write a few hundred kB, and a full 4 MiB buffer for each was a humongous allocation
     * for G1 (half of all bytes allocated outside TLABs in an e2e run's job JVM).
     */
    private static final class ChunkingStream extends OutputStream {
        private static final int FIRST_BUFFER = 64 * 1024;

        private final int chunkBytes;
        private final List<byte[]> chunks = new ArrayList<>();
        private final CRC32 crc = new CRC32();
        private byte[] current;
        private int used;
        private long total;

        ChunkingStream(int chunkBytes) {
            if (chunkBytes < 1) {
                throw new IllegalArgumentException(
                        "chunk size must be positive, got " + chunkBytes);
            }
            this.chunkBytes = chunkBytes;
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            crc.update(b, off, len);
            total += len;
            while (len > 0) {
                if (current == null) {
                    current = new byte[Math.min(chunkBytes, FIRST_BUFFER)];
                    used = 0;
                } else if (used == current.length) {
                    current = Arrays.copyOf(current, Math.min(chunkBytes, 2 * current.length));
                }
                int n = Math.min(len, current.length - used);
                System.arraycopy(b, off, current, used, n);
                used += n;
                off += n;
                len -= n;
                if (used == chunkBytes) {
                    chunks.add(current);
                    current = null;
                }
            }
        }

        @Override
        public void close() {
            if (current != null) {
                byte[] last = new byte[used];
                System.arraycopy(current, 0, last, 0, used);
                chunks.add(last);
                current = null;
            }
        }
    }
}
