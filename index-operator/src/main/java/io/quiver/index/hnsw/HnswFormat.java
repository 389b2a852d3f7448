package io.quiver.index.hnsw;

import io.quiver.index.Metric;
import io.quiver.index.quant.ScalarQuantizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The snapshot format, little-endian:
 *
 * <pre>
 * header:  magic "QHNW" | version int | metric byte | storage byte | flags byte
 *          (1 float copy, 2 string ids, 4 quantizer) | dimension int | M int |
 *          efConstruction int | seed long | exactSelectivity float | calibrationSample int |
 *          [quantizer min float, max float] | count int | deletedCount int | entry long |
 *          CRC-32C of the header
 * nodes:   per node: info byte (level, 0x80 = deleted) | [id: length int, UTF-8] |
 *          level-0 list (count int, ids) | lists of levels 1..level
 * vectors: [count x dimension floats] | [count x dimension int8 codes] | [count code sums]
 *          CRC-32C of nodes and vectors
 * </pre>
 *
 * The header has its own checksum so that its sizes are trusted before anything is allocated.
 *
 * <p>Float vectors are written for float32 storage only (and for an int8 index still collecting its
 * calibration sample): an int8 index rescores from a {@link VectorSource} outside the snapshot.
 * Snapshots from builds that kept a float copy beside the codes (flags 1 and 4 both set) still
 * read: the copy is checked and dropped.
 */
final class HnswFormat {

    static final int MAGIC = 0x57484E51; // "QHNW" read as little-endian bytes
    static final int VERSION = 1;

    /**
     * Version 1 plus {@link #FLAG_EXTERNAL}: the float32 vectors of live nodes with ids are left
     * out, and the reader takes them from a {@link VectorSource}. Written only when asked for, so a
     * full snapshot is still version 1, byte for byte.
     */
    static final int VERSION_EXTERNAL_VECTORS = 2;

    private static final int FLAG_FLOATS = 1;
    private static final int FLAG_IDS = 2;
    private static final int FLAG_QUANTIZER = 4;
    private static final int FLAG_EXTERNAL = 8;
    private static final int MAX_DIMENSION = 1 << 16;
    private static final int MAX_ID_BYTES = 1 << 16;

    private HnswFormat() {}

    /**
     * Writes the index; with {@code externalVectors} (and float vectors and string ids in the
     * graph) in version 2, leaving out the vectors of live nodes, otherwise in version 1.
     */
    static void write(HnswIndex index, HnswGraph g, OutputStream stream, boolean externalVectors)
            throws IOException {
        HnswIndex.Builder c = index.config();
        PagedStore st = g.store;
        int count = g.count();
        boolean external = externalVectors && st.hasFloats && st.labels != null;
        BinaryOut out = new BinaryOut(stream);
        out.writeInt(MAGIC);
        out.writeInt(external ? VERSION_EXTERNAL_VECTORS : VERSION);
        out.writeByte(c.metric.ordinal());
        out.writeByte(c.storage.ordinal());
        int flags =
                (st.hasFloats ? FLAG_FLOATS : 0)
                        | (st.labels != null ? FLAG_IDS : 0)
                        | (g.int8 ? FLAG_QUANTIZER : 0)
                        | (external ? FLAG_EXTERNAL : 0);
        out.writeByte(flags);
        out.writeInt(c.dimension);
        out.writeInt(c.m);
        out.writeInt(c.efConstruction);
        out.writeLong(c.seed);
        out.writeFloat(c.exactSelectivity);
        out.writeInt(c.calibrationSample);
        if (g.int8) {
            out.writeFloat(g.quantizer.min());
            out.writeFloat(g.quantizer.max());
        }
        out.writeInt(count);
        out.writeInt(g.deletedCount());
        out.writeLong(g.entry());
        out.writeChecksum();

        int[] ids = new int[g.maxConn0];
        for (int node = 0; node < count; node++) {
            int p = node >>> st.pageShift;
            int i = node & st.pageMask;
            out.writeByte(st.info[p][i]);
            if (st.labels != null) {
                String label = st.labels[p][i];
                out.writeString(label == null ? "" : label);
            }
            int level = g.level(node);
            for (int lc = 0; lc <= level; lc++) {
                int n = g.neighbours(node, lc, ids);
                out.writeInt(n);
                out.writeInts(ids, 0, n);
            }
        }
        int dim = c.dimension;
        for (int node = 0; node < count; node++) {
            int p = node >>> st.pageShift;
            int off = (node & st.pageMask) * dim;
            if (st.hasFloats && (!external || !hasExternalVector(g, node))) {
                out.writeFloats(st.vectors[p], off, dim);
            }
            if (st.hasCodes) {
                out.writeBytes(st.codes[p], off, dim);
            }
            if (st.hasSums) {
                out.writeInt(st.sums[p][node & st.pageMask]);
            }
        }
        out.writeChecksum();
        out.flush();
    }

    /**
     * Whether a version 2 snapshot leaves out the node's vector: a live node with an id. Tombstones
     * keep theirs, since searches still step through them and their ids may hold another vector by
     * now.
     */
    private static boolean hasExternalVector(HnswGraph g, int node) {
        return !g.isDeleted(node) && g.label(node) != null;
    }

    /**
     * Reads a snapshot; {@code vectors} supplies the vectors a version 2 snapshot left out (by id,
     * as written). A live node whose vector the source lacks is read as a tombstone: its id was
     * deleted after the snapshot was taken, so it must not be found again.
     */
    static HnswIndex read(InputStream stream, int buildThreads, VectorSource vectors)
            throws IOException {
        BinaryIn in = new BinaryIn(stream);
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new CorruptIndexException(
                    "not an HNSW index snapshot: magic is 0x"
                            + Integer.toHexString(magic)
                            + ", expected 0x"
                            + Integer.toHexString(MAGIC));
        }
        int version = in.readInt();
        if (version != VERSION && version != VERSION_EXTERNAL_VECTORS) {
            throw new CorruptIndexException(
                    "unsupported index snapshot format version "
                            + version
                            + "; this build reads versions "
                            + VERSION
                            + " and "
                            + VERSION_EXTERNAL_VECTORS);
        }
        int metricOrdinal = in.readByte();
        int storageOrdinal = in.readByte();
        int flags = in.readByte();
        int dimension = in.readInt();
        int m = in.readInt();
        int efConstruction = in.readInt();
        long seed = in.readLong();
        float exactSelectivity = in.readFloat();
        int calibrationSample = in.readInt();
        ScalarQuantizer quantizer = null;
        float qMin = 0;
        float qMax = 0;
        if ((flags & FLAG_QUANTIZER) != 0) {
            qMin = in.readFloat();
            qMax = in.readFloat();
        }
        int count = in.readInt();
        int deletedCount = in.readInt();
        long entry = in.readLong();
        in.verifyChecksum("header");

        check(metricOrdinal < Metric.values().length, "metric " + metricOrdinal);
        check(storageOrdinal < Storage.values().length, "storage " + storageOrdinal);
        check(dimension > 0 && dimension <= MAX_DIMENSION, "dimension " + dimension);
        check(m >= 2 && m <= HnswIndex.MAX_M, "M " + m);
        check(efConstruction > 0, "efConstruction " + efConstruction);
        check(count >= 0 && deletedCount >= 0 && deletedCount <= count, "count " + count);
        Storage storage = Storage.values()[storageOrdinal];
        boolean floats = (flags & FLAG_FLOATS) != 0;
        boolean external = (flags & FLAG_EXTERNAL) != 0;
        check(
                external == (version == VERSION_EXTERNAL_VECTORS)
                        && (!external || (floats && (flags & FLAG_IDS) != 0)),
                "flags " + flags + " for version " + version);
        if (external && vectors == null) {
            throw new IOException(
                    "this index snapshot keeps its vectors outside and none were given to read it"
                            + " with");
        }
        if ((flags & FLAG_QUANTIZER) != 0) {
            check(storage == Storage.INT8, "quantizer on float32 storage");
            try {
                quantizer = new ScalarQuantizer(qMin, qMax);
            } catch (IllegalArgumentException e) {
                throw new CorruptIndexException("corrupt index snapshot: " + e.getMessage(), e);
            }
        } else {
            check(floats, "no float vectors and no quantizer");
        }
        int entryNode = HnswGraph.entryNode(entry);
        check(
                entry == HnswGraph.EMPTY
                        ? count == 0 || deletedCount == count
                        : entryNode >= 0 && entryNode < count,
                "entry point " + entry);

        HnswIndex.Builder config =
                HnswIndex.builder(dimension, Metric.values()[metricOrdinal])
                        .m(m)
                        .efConstruction(efConstruction)
                        .storage(storage)
                        .seed(seed)
                        .exactSelectivity(exactSelectivity)
                        .calibrationSample(Math.max(1, calibrationSample))
                        .withIds((flags & FLAG_IDS) != 0)
                        .buildThreads(buildThreads)
                        .quantizer(quantizer);
        HnswIndex shell = config.build();
        HnswGraph g = shell.newGraph(quantizer);
        PagedStore st = g.store;
        // An int8 snapshot may carry the float copy older builds kept: read past it.
        float[] dropped = floats && !st.hasFloats ? new float[dimension] : null;
        st.ensureCapacity(count);

        int[] ids = new int[g.maxConn0];
        for (int node = 0; node < count; node++) {
            int p = node >>> st.pageShift;
            int i = node & st.pageMask;
            int info = in.readByte();
            int level = info & 0x7f;
            check(level <= HnswGraph.MAX_LEVEL, "node " + node + " level " + level);
            st.info[p][i] = (byte) info;
            if (st.labels != null) {
                String label = in.readString(MAX_ID_BYTES);
                st.labels[p][i] = label.isEmpty() ? null : label;
            }
            if (level > 0) {
                st.allocateUpper(node, level);
            }
            for (int lc = 0; lc <= level; lc++) {
                int n = in.readInt();
                int max = lc == 0 ? g.maxConn0 : m;
                check(n >= 0 && n <= max, "node " + node + " has " + n + " links at level " + lc);
                for (int j = 0; j < n; j++) {
                    int id = in.readInt();
                    check(
                            id >= 0 && id < count,
                            "node " + node + " links to " + id + " at level " + lc);
                    ids[j] = id;
                }
                g.writeList(node, lc, ids, n);
            }
        }
        float[] given = external ? new float[dimension] : null;
        float[] normalized = external ? new float[dimension] : null;
        boolean cosine = Metric.values()[metricOrdinal] == Metric.COSINE;
        int vanished = 0;
        for (int node = 0; node < count; node++) {
            int p = node >>> st.pageShift;
            int off = (node & st.pageMask) * dimension;
            if (external && st.hasFloats && hasExternalVector(g, node)) {
                if (vectors.read(node, g.label(node), given)) {
                    float[] src = given;
                    if (cosine) {
                        HnswGraph.normalize(given, 0, normalized, dimension);
                        src = normalized;
                    }
                    System.arraycopy(src, 0, st.vectors[p], off, dimension);
                } else {
                    // Deleted after the snapshot: a tombstone that searches step through only.
                    st.info[p][node & st.pageMask] |= (byte) HnswGraph.DELETED;
                    vanished++;
                }
            } else if (st.hasFloats) {
                in.readFloats(st.vectors[p], off, dimension);
            } else if (dropped != null) {
                in.readFloats(dropped, 0, dimension);
            }
            if (st.hasCodes) {
                in.readBytes(st.codes[p], off, dimension);
            }
            if (st.hasSums) {
                st.sums[p][node & st.pageMask] = in.readInt();
            }
        }
        in.verifyChecksum("body");
        if (count > 0 && entry != HnswGraph.EMPTY) {
            check(
                    g.level(entryNode) == HnswGraph.entryLevel(entry),
                    "entry point level " + HnswGraph.entryLevel(entry));
        }
        g.restoreState(count, deletedCount + vanished, entry);
        return HnswIndex.restored(config, quantizer, g);
    }

    private static void check(boolean ok, String what) throws CorruptIndexException {
        if (!ok) {
            throw new CorruptIndexException("corrupt index snapshot: bad " + what);
        }
    }
}
