package io.quiver.index.bench;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * TEXMEX {@code .fvecs} / {@code .ivecs}: each vector is its dimension as a little-endian int32,
 * then that many float32 (or int32) components.
 */
public final class VecFiles {

    private VecFiles() {}

    public static float[][] readFvecs(Path path) throws IOException {
        ByteBuffer buf = readAll(path);
        int d = buf.getInt(0);
        int n = checkedCount(path, buf.capacity(), d);
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            int at = i * (d + 1) * 4;
            if (buf.getInt(at) != d) {
                throw new IOException(path + ": vector " + i + " has dimension " + buf.getInt(at));
            }
            buf.position(at + 4);
            buf.asFloatBuffer().get(out[i]);
        }
        return out;
    }

    public static int[][] readIvecs(Path path) throws IOException {
        ByteBuffer buf = readAll(path);
        int d = buf.getInt(0);
        int n = checkedCount(path, buf.capacity(), d);
        int[][] out = new int[n][d];
        for (int i = 0; i < n; i++) {
            buf.position(i * (d + 1) * 4 + 4);
            buf.asIntBuffer().get(out[i]);
        }
        return out;
    }

    private static int checkedCount(Path path, long bytes, int d) throws IOException {
        long row = (d + 1L) * 4;
        if (d <= 0 || bytes % row != 0) {
            throw new IOException(
                    path + ": not a vecs file (dimension " + d + ", " + bytes + " bytes)");
        }
        return (int) (bytes / row);
    }

    private static ByteBuffer readAll(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(path + " is larger than 2 GiB");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // keep reading
            }
            return buf.flip().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    public static void writeFvecs(Path path, float[][] vectors) throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            ByteBuffer row = ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] v : vectors) {
                if (row.capacity() != 4 * (v.length + 1)) {
                    row = ByteBuffer.allocate(4 * (v.length + 1)).order(ByteOrder.LITTLE_ENDIAN);
                }
                row.clear();
                row.putInt(v.length);
                for (float x : v) {
                    row.putFloat(x);
                }
                os.write(row.array());
            }
        }
    }

    public static void writeIvecs(Path path, int[][] rows) throws IOException {
        try (DataOutputStream os =
                new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(path)))) {
            for (int[] r : rows) {
                os.writeInt(Integer.reverseBytes(r.length));
                for (int x : r) {
                    os.writeInt(Integer.reverseBytes(x));
                }
            }
        }
    }
}
