package io.quiver.index.hnsw;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/** Reader matching {@link BinaryOut}; an early end of stream is a {@link CorruptIndexException}. */
final class BinaryIn {

    private static final VarHandle INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    private final InputStream in;
    private final byte[] buf = new byte[1 << 16];
    private final CRC32C crc = new CRC32C();
    private int pos;
    private int limit;
    private long consumed;

    BinaryIn(InputStream in) {
        this.in = in;
    }

    private void need(int bytes) throws IOException {
        if (limit - pos >= bytes) {
            return;
        }
        crc.update(buf, 0, pos);
        System.arraycopy(buf, pos, buf, 0, limit - pos);
        limit -= pos;
        consumed += pos;
        pos = 0;
        while (limit < bytes) {
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) {
                throw new CorruptIndexException(
                        "truncated index snapshot: the stream ended after "
                                + (consumed + limit)
                                + " bytes");
            }
            limit += n;
        }
    }

    int readByte() throws IOException {
        need(1);
        return buf[pos++] & 0xff;
    }

    int readInt() throws IOException {
        need(4);
        int v = (int) INT.get(buf, pos);
        pos += 4;
        return v;
    }

    long readLong() throws IOException {
        need(8);
        long v = (long) LONG.get(buf, pos);
        pos += 8;
        return v;
    }

    float readFloat() throws IOException {
        need(4);
        float v = (float) FLOAT.get(buf, pos);
        pos += 4;
        return v;
    }

    void readFloats(float[] a, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            a[off + i] = readFloat();
        }
    }

    void readBytes(byte[] a, int off, int len) throws IOException {
        while (len > 0) {
            need(1);
            int n = Math.min(len, limit - pos);
            System.arraycopy(buf, pos, a, off, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    String readString(int maxBytes) throws IOException {
        int n = readInt();
        if (n < 0 || n > maxBytes) {
            throw new CorruptIndexException("corrupt index snapshot: string of " + n + " bytes");
        }
        byte[] b = new byte[n];
        readBytes(b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Reads a stored checksum and compares it with the bytes read since the last one. */
    void verifyChecksum(String section) throws IOException {
        crc.update(buf, 0, pos);
        int computed = (int) crc.getValue();
        crc.reset();
        int stored = readInt();
        crc.reset();
        // The stored checksum itself must not count towards the next section.
        System.arraycopy(buf, pos, buf, 0, limit - pos);
        limit -= pos;
        consumed += pos;
        pos = 0;
        if (stored != computed) {
            throw new CorruptIndexException(
                    "corrupt index snapshot: "
                            + section
                            + " checksum mismatch (stored "
                            + Integer.toHexString(stored)
                            + ", computed "
                            + Integer.toHexString(computed)
                            + ")");
        }
    }
}
