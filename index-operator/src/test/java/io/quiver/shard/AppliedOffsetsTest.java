package io.quiver.shard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AppliedOffsetsTest {

    @Test
    void advancesButNeverGoesBack() {
        AppliedOffsets a = AppliedOffsets.EMPTY.advance(3, 10).advance(1, 5).advance(3, 7);
        assertThat(a.partitions()).containsExactly(1, 3);
        assertThat(a.offsets()).containsExactly(5L, 10L);
        assertThat(a.offset(2)).isEqualTo(-1L);
        assertThat(a.toString()).isEqualTo("{1:5, 3:10}");
    }

    @Test
    void coversRequiredOffsetsInclusively() {
        AppliedOffsets a = AppliedOffsets.of(new int[] {0, 1}, new long[] {10, 20});
        assertThat(a.covers(new int[] {0, 1}, new long[] {10, 20})).isTrue();
        assertThat(a.covers(new int[] {0}, new long[] {11})).isFalse();
        assertThat(a.covers(new int[] {5}, new long[] {0})).isFalse();
        assertThat(a.covers(new int[] {5}, new long[] {-1})).isTrue();
    }
}
