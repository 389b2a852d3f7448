package io.quiver.schemas.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ShardKeysTest {

    @Test
    void shardsLandInDistinctEvenlySpacedKeyGroups() {
        ShardKeys keys = new ShardKeys(32, 128);
        Set<Integer> groups = new HashSet<>();
        for (int s = 0; s < 32; s++) {
            int group = keys.keyGroupOf(keys.keyOf(s));
            assertThat(group).isEqualTo(s * 4);
            groups.add(group);
            assertThat(keys.shardOfKey(keys.keyOf(s))).isEqualTo(s);
        }
        assertThat(groups).hasSize(32);
        // With parallelism 2, 4 or 8, Flink's operator index = keyGroup * p / maxParallelism.
        for (int p : new int[] {2, 4, 8}) {
            int[] perSubtask = new int[p];
            for (int s = 0; s < 32; s++) {
                perSubtask[keys.keyGroupOf(keys.keyOf(s)) * p / 128]++;
            }
            for (int c : perSubtask) {
                assertThat(c).isEqualTo(32 / p);
            }
        }
    }

    @Test
    void pointsSpreadOverAllShardsDeterministically() {
        ShardKeys keys = new ShardKeys(8, 128);
        int[] counts = new int[8];
        for (int i = 0; i < 8000; i++) {
            counts[keys.shardOf("docs", "id-" + i)]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(800, 1200);
        }
        assertThat(keys.shardOf("docs", "x")).isEqualTo(new ShardKeys(8, 128).shardOf("docs", "x"));
    }

    @Test
    void rejectsBadSizes() {
        assertThatThrownBy(() -> new ShardKeys(0, 128))
                .hasMessageContaining("shards must be >= 1, got 0");
        assertThatThrownBy(() -> new ShardKeys(64, 32)).hasMessageContaining("got 32");
    }

    @Test
    void offsetTokenRoundTripsAndRejectsJunk() {
        String t = OffsetToken.format(Map.of(2, 7L, 0, 15L));
        assertThat(t).isEqualTo("0:15,2:7");
        assertThat(OffsetToken.parse(t)).containsEntry(0, 15L).containsEntry(2, 7L);
        assertThat(OffsetToken.parse("")).isEmpty();
        assertThatThrownBy(() -> OffsetToken.parse("0:15,x")).hasMessageContaining("'x'");
        assertThatThrownBy(() -> OffsetToken.parse("0:-1")).hasMessageContaining("'0:-1'");
    }
}
