package io.quiver.index.hnsw;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.index.Metric;
import org.junit.jupiter.api.Test;

class HnswValidationTest {

    private final HnswIndex index = HnswIndex.builder(4, Metric.COSINE).build();

    @Test
    void rejectsADimensionMismatchNamingBoth() {
        assertThatThrownBy(() -> index.upsert("a", new float[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 dimensions")
                .hasMessageContaining("expects 4");
        assertThatThrownBy(() -> index.search(new float[5], 1, 10, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5 dimensions");
    }

    @Test
    void rejectsNanAndInfiniteComponents() {
        assertThatThrownBy(() -> index.upsert("a", new float[] {1, Float.NaN, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("component 1 is NaN");
        assertThatThrownBy(
                        () ->
                                index.search(
                                        new float[] {1, 0, Float.POSITIVE_INFINITY, 0}, 1, 1, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("component 2 is Infinity");
    }

    @Test
    void rejectsAZeroVectorForCosine() {
        assertThatThrownBy(() -> index.upsert("a", new float[4]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("all zeros");
    }

    @Test
    void rejectsBadParameters() {
        assertThatThrownBy(() -> HnswIndex.builder(4, Metric.L2).m(1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("M must be between 2")
                .hasMessageContaining("got 1");
        assertThatThrownBy(() -> HnswIndex.builder(0, Metric.L2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
        assertThatThrownBy(() -> HnswIndex.builder(4, Metric.L2).efConstruction(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("efConstruction must be positive, got 0");
        assertThatThrownBy(() -> index.search(new float[] {1, 0, 0, 0}, 0, 10, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k must be positive, got 0");
        assertThatThrownBy(() -> index.search(new float[] {1, 0, 0, 0}, -3, 10, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got -3");
        assertThatThrownBy(() -> index.search(new float[] {1, 0, 0, 0}, 1, 0, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ef must be positive, got 0");
        assertThatThrownBy(() -> Storage.parse("int4"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'int4'");
    }

    @Test
    void anIndexWithoutIdsRefusesTheStringApi() {
        HnswIndex plain = HnswIndex.builder(4, Metric.L2).withIds(false).build();
        assertThatThrownBy(() -> plain.upsert("a", new float[4]))
                .isInstanceOf(IllegalStateException.class);
    }
}
