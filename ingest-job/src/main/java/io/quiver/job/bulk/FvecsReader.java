package io.quiver.job.bulk;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** Reads {@code .fvecs}: per vector a little-endian int32 dimension and as many float32. */
final class FvecsReader implements VectorFileReader {

    /** Larger dimensions are refused before allocating: the limit of every collection. */
    private static final int MAX_DIMENSION = io.quiver.schemas.Limits.MAX_DIMENSION;

    private final DataInputStream in;
    private final String fileName;
    private long position;
    private byte[] buffer = new byte[0];

    FvecsReader(InputStream in, String fileName) {
        this.in = new DataInputStream(new BufferedInputStream(in, 1 << 16));
        this.fileName = fileName;
    }

    @Override
    public BulkRecord next() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int dim;
        float[] v;
        try {
            dim =
                    b0
                            | in.readUnsignedByte() << 8
                            | in.readUnsignedByte() << 16
                            | in.readByte() << 24;
            if (dim < 1 || dim > MAX_DIMENSION) {
                throw new IOException(
                        fileName + ": vector " + position + " claims dimension " + dim);
            }
            if (buffer.length < 4 * dim) {
                buffer = new byte[4 * dim];
            }
            in.readFully(buffer, 0, 4 * dim);
        } catch (EOFException e) {
            throw new IOException(fileName + ": file ends inside vector " + position, e);
        }
        v = new float[dim];
        for (int i = 0; i < dim; i++) {
            int o = 4 * i;
            v[i] =
                    Float.intBitsToFloat(
                            (buffer[o] & 0xff)
                                    | (buffer[o + 1] & 0xff) << 8
                                    | (buffer[o + 2] & 0xff) << 16
                                    | buffer[o + 3] << 24);
        }
        position++;
        return new BulkRecord(null, v, null);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
