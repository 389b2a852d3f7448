package io.quiver.schemas.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShardStatusTest {

    @Test
    void roundTrips() {
        ShardStatus s =
                new ShardStatus(
                        3,
                        32,
                        "127.0.0.1",
                        4567,
                        true,
                        1000L,
                        2L,
                        123456789L,
                        new int[] {0, 1},
                        new long[] {10L, 20L});
        ShardStatus r = ShardStatus.fromBytes(s.toBytes());
        assertThat(r.shard()).isEqualTo(3);
        assertThat(r.totalShards()).isEqualTo(32);
        assertThat(r.host()).isEqualTo("127.0.0.1");
        assertThat(r.port()).isEqualTo(4567);
        assertThat(r.ready()).isTrue();
        assertThat(r.vectorCount()).isEqualTo(1000L);
        assertThat(r.appliedPartitions()).containsExactly(0, 1);
        assertThat(r.appliedOffsets()).containsExactly(10L, 20L);
    }

    @Test
    void truncatedOrForeignBytesFail() {
        byte[] b = new ShardStatus(0, 1, "h", 1, false, 0, 0, 0, new int[0], new long[0]).toBytes();
        assertThatThrownBy(() -> ShardStatus.fromBytes(Arrays.copyOf(b, b.length - 3)))
                .hasMessageContaining("truncated");
        b[0] = 9;
        assertThatThrownBy(() -> ShardStatus.fromBytes(b)).hasMessageContaining("version 9");
    }
}
