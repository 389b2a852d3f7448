package io.quiver.job.bulk;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a NumPy {@code .npy} file holding one C-order 2-d array of little-endian float32, row by
 * row. Other dtypes, Fortran order or other shapes are refused with a message saying what to
 * convert to.
 */
final class NpyReader implements VectorFileReader {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private final DataInputStream in;
    private final String fileName;
    private final long rows;
    private final int dim;
    private final byte[] row;
    private long position;

    NpyReader(InputStream raw, String fileName) throws IOException {
        this.in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
        this.fileName = fileName;
        String header = readHeader();
        String descr = group(DESCR, header, "descr");
        if (!descr.equals("<f4")) {
            throw new IOException(
                    fileName
                            + ": dtype is '"
                            + descr
                            + "', expected little-endian float32 '<f4' (numpy: a.astype('<f4'))");
        }
        if (group(ORDER, header, "fortran_order").equals("True")) {
            throw new IOException(
                    fileName + ": array is in Fortran order; save np.ascontiguousarray(a)");
        }
        String[] shape = group(SHAPE, header, "shape").split(",");
        if (shape.length < 2 || shape.length > 3 || (shape.length == 3 && !shape[2].isBlank())) {
            throw new IOException(
                    fileName + ": shape (" + String.join(",", shape) + ") is not 2-d (rows, dim)");
        }
        try {
            rows = Long.parseLong(shape[0].trim());
            dim = Integer.parseInt(shape[1].trim());
        } catch (NumberFormatException e) {
            throw new IOException(fileName + ": unreadable shape in header " + header, e);
        }
        if (dim < 1 || dim > io.quiver.schemas.Limits.MAX_DIMENSION) {
            throw new IOException(fileName + ": dimension " + dim + " is out of range");
        }
        row = new byte[4 * dim];
    }

    private String readHeader() throws IOException {
        try {
            byte[] magic = new byte[6];
            in.readFully(magic);
            for (int i = 0; i < MAGIC.length; i++) {
                if (magic[i] != MAGIC[i]) {
                    throw new IOException(fileName + ": not a .npy file (bad magic)");
                }
            }
            int major = in.readUnsignedByte();
            in.readUnsignedByte();
            long length;
            if (major == 1) {
                length = in.readUnsignedByte() | in.readUnsignedByte() << 8;
            } else if (major == 2 || major == 3) {
                length =
                        (in.readUnsignedByte()
                                        | in.readUnsignedByte() << 8
                                        | in.readUnsignedByte() << 16
                                        | (long) in.readUnsignedByte() << 24)
                                & 0xffffffffL;
            } else {
                throw new IOException(fileName + ": unsupported .npy version " + major);
            }
            if (length > 1 << 20) {
                throw new IOException(fileName + ": .npy header of " + length + " bytes");
            }
            byte[] header = new byte[(int) length];
            in.readFully(header);
            return new String(
                    header, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        } catch (EOFException e) {
            throw new IOException(fileName + ": file ends inside the .npy header", e);
        }
    }

    private String group(Pattern p, String header, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException(fileName + ": .npy header has no " + key + ": " + header);
        }
        return m.group(1);
    }

    @Override
    public BulkRecord next() throws IOException {
        if (position == rows) {
            return null;
        }
        try {
            in.readFully(row);
        } catch (EOFException e) {
            throw new IOException(fileName + ": file ends at row " + position + " of " + rows, e);
        }
        float[] v = new float[dim];
        for (int i = 0; i < dim; i++) {
            int o = 4 * i;
            v[i] =
                    Float.intBitsToFloat(
                            (row[o] & 0xff)
                                    | (row[o + 1] & 0xff) << 8
                                    | (row[o + 2] & 0xff) << 16
                                    | row[o + 3] << 24);
        }
        position++;
        return new BulkRecord(null, v, null);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
