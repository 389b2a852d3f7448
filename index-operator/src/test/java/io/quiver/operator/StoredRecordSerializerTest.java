package io.quiver.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class StoredRecordSerializerTest {

    private final StoredRecordSerializer serializer = StoredRecordSerializer.INSTANCE;

    @Test
    void roundTripsWithAndWithoutPayload() throws IOException {
        for (StoredRecord r :
                new StoredRecord[] {
                    new StoredRecord(new float[] {1.5f, -2}, "{\"a\":1}".getBytes(), 9, 2, 77),
                    new StoredRecord(new float[0], null, ShardOp.NO_VERSION, 0, 0)
                }) {
            StoredRecord back = roundTrip(r);
            assertThat(back.vector()).containsExactly(r.vector());
            assertThat(back.payload()).isEqualTo(r.payload());
            assertThat(back.version()).isEqualTo(r.version());
            assertThat(back.partition()).isEqualTo(r.partition());
            assertThat(back.offset()).isEqualTo(r.offset());
        }
    }

    @Test
    void refusesAnUnknownFormatNamingIt() {
        DataInputDeserializer in = new DataInputDeserializer(new byte[] {42, 0, 0});
        assertThatThrownBy(() -> serializer.deserialize(in))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unsupported stored record format 42, expected 1");
    }

    @Test
    void itsSnapshotRestoresTheSameSerializer() {
        assertThat(serializer.snapshotConfiguration().restoreSerializer()).isSameAs(serializer);
    }

    private StoredRecord roundTrip(StoredRecord r) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(32);
        serializer.serialize(r, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
