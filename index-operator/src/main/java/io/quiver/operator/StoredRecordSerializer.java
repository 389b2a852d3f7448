package io.quiver.operator;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Compact binary form of a {@link StoredRecord} in RocksDB: {@code format:u8 (1), version:i64,
 * partition:i32, offset:i64, dim:i32, dim × f32, payloadLength:i32 (-1 = none), payload bytes}. The
 * leading format byte lets a later layout read records written by this one.
 */
public final class StoredRecordSerializer extends TypeSerializerSingleton<StoredRecord> {

    private static final long serialVersionUID = 1L;

    public static final StoredRecordSerializer INSTANCE = new StoredRecordSerializer();

    static final int FORMAT = 1;

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public StoredRecord createInstance() {
        return new StoredRecord(new float[0], null, ShardOp.NO_VERSION, -1, -1L);
    }

    @Override
    public StoredRecord copy(StoredRecord from) {
        // Immutable by contract: nobody mutates the arrays after construction.
        return from;
    }

    @Override
    public StoredRecord copy(StoredRecord from, StoredRecord reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(StoredRecord r, DataOutputView out) throws IOException {
        out.writeByte(FORMAT);
        out.writeLong(r.version);
        out.writeInt(r.partition);
        out.writeLong(r.offset);
        out.writeInt(r.vector.length);
        for (float f : r.vector) {
            out.writeFloat(f);
        }
        if (r.payload == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(r.payload.length);
            out.write(r.payload);
        }
    }

    @Override
    public StoredRecord deserialize(DataInputView in) throws IOException {
        int format = in.readUnsignedByte();
        if (format != FORMAT) {
            throw new IOException(
                    "unsupported stored record format " + format + ", expected " + FORMAT);
        }
        long version = in.readLong();
        int partition = in.readInt();
        long offset = in.readLong();
        int dim = in.readInt();
        if (dim < 0) {
            throw new IOException("corrupt stored record: dimension " + dim);
        }
        float[] vector = new float[dim];
        for (int i = 0; i < dim; i++) {
            vector[i] = in.readFloat();
        }
        int n = in.readInt();
        byte[] payload = null;
        if (n >= 0) {
            payload = new byte[n];
            in.readFully(payload);
        } else if (n != -1) {
            throw new IOException("corrupt stored record: payload length " + n);
        }
        return new StoredRecord(vector, payload, version, partition, offset);
    }

    @Override
    public StoredRecord deserialize(StoredRecord reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<StoredRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the singleton; the format byte in each record handles layout changes. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<StoredRecord> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
