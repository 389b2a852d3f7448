package io.quiver.index.hnsw;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/** Little-endian writer with a running CRC-32C, buffered in 64 KiB so arrays go out in bulk. */
final class BinaryOut {

    private static final VarHandle INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    private final OutputStream out;
    private final byte[] buf = new byte[1 << 16];
    private final CRC32C crc = new CRC32C();
    private int pos;
    private long written;

    BinaryOut(OutputStream out) {
        this.out = out;
    }

    private void room(int bytes) throws IOException {
        if (pos + bytes > buf.length) {
            flushBuffer();
        }
    }

    private void flushBuffer() throws IOException {
        crc.update(buf, 0, pos);
        out.write(buf, 0, pos);
        written += pos;
        pos = 0;
    }

    void writeByte(int v) throws IOException {
        room(1);
        buf[pos++] = (byte) v;
    }

    void writeInt(int v) throws IOException {
        room(4);
        INT.set(buf, pos, v);
        pos += 4;
    }

    void writeLong(long v) throws IOException {
        room(8);
        LONG.set(buf, pos, v);
        pos += 8;
    }

    void writeFloat(float v) throws IOException {
        room(4);
        FLOAT.set(buf, pos, v);
        pos += 4;
    }

    void writeInts(int[] a, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            writeInt(a[off + i]);
        }
    }

    void writeFloats(float[] a, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) {
            writeFloat(a[off + i]);
        }
    }

    void writeBytes(byte[] a, int off, int len) throws IOException {
        while (len > 0) {
            room(1);
            int n = Math.min(len, buf.length - pos);
            System.arraycopy(a, off, buf, pos, n);
            pos += n;
            off += n;
            len -= n;
        }
    }

    void writeString(String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeInt(b.length);
        writeBytes(b, 0, b.length);
    }

    /** Writes the CRC of everything since the last checksum, then restarts it. */
    void writeChecksum() throws IOException {
        flushBuffer();
        int value = (int) crc.getValue();
        crc.reset();
        writeInt(value);
        flushBuffer();
        crc.reset();
    }

    void flush() throws IOException {
        flushBuffer();
        out.flush();
    }
}
