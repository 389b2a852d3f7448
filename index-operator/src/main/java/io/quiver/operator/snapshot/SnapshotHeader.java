package io.quiver.operator.snapshot;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What a collection's graph snapshot consists of, stored next to its chunks: the layout version,
 * the snapshot's epoch, how many chunks and bytes it has and the CRC-32 of all its bytes.
 *
 * <p>Encoding, little-endian, {@value #BYTES} bytes: magic "QGSH" int | layout version int | epoch
 * long | chunk count int | total bytes long | CRC-32 long. A header of another layout version is
 * treated as missing (the graph is rebuilt from the records).
 */
public record SnapshotHeader(int version, long epoch, int chunkCount, long totalBytes, long crc32) {

    /** The current layout version; see docs/state-layout.md for what needs a new one. */
    public static final int VERSION = 1;

    static final int MAGIC = 0x48534751; // "QGSH" read as little-endian bytes
    static final int BYTES = 4 + 4 + 8 + 4 + 8 + 8;

    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(version).putLong(epoch).putInt(chunkCount);
        b.putLong(totalBytes).putLong(crc32);
        return b.array();
    }

    /**
     * Decodes a header.
     *
     * @throws IllegalArgumentException when the bytes are not a header of this layout version
     */
    public static SnapshotHeader fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length != BYTES) {
            throw new IllegalArgumentException(
                    "a snapshot header has "
                            + BYTES
                            + " bytes, got "
                            + (bytes == null ? "none" : bytes.length));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a snapshot header: wrong magic");
        }
        int version = b.getInt();
        if (version != VERSION) {
            throw new IllegalArgumentException(
                    "snapshot layout version "
                            + version
                            + " is not supported ("
                            + VERSION
                            + " is)");
        }
        SnapshotHeader h =
                new SnapshotHeader(version, b.getLong(), b.getInt(), b.getLong(), b.getLong());
        if (h.chunkCount < 0 || h.totalBytes < 0 || h.epoch < 0) {
            throw new IllegalArgumentException("snapshot header out of range: " + h);
        }
        return h;
    }
}
