package io.quiver.operator;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class ShardOpTest {

    @Test
    void isAFlinkPojoSoNoKryoIsInvolved() throws Exception {
        TypeInformation<ShardOp> type = TypeInformation.of(ShardOp.class);
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        TypeSerializer<ShardOp> serializer = type.createSerializer(new SerializerConfigImpl());
        for (ShardOp op :
                new ShardOp[] {
                    ShardOp.upsert(3, "docs", "a", new float[] {1, 2}, "{}".getBytes(), 7, 1, 99),
                    ShardOp.delete(3, "docs", "a", ShardOp.NO_VERSION, 1, 100),
                    ShardOp.collection(3, "docs", null),
                    ShardOp.marker(3, 2, 1234)
                }) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            serializer.serialize(op, out);
            ShardOp back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            assertThat(back).isEqualTo(op);
        }
    }
}
