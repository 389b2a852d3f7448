package io.quiver.query.rerank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RerankPlanTest {

    @Test
    void topNHalvesWithEveryFurther256CharactersOfQueryText() {
        assertThat(RerankPlan.effectiveTopN(100, 1)).isEqualTo(100);
        assertThat(RerankPlan.effectiveTopN(100, 256)).isEqualTo(100);
        assertThat(RerankPlan.effectiveTopN(100, 257)).isEqualTo(50);
        assertThat(RerankPlan.effectiveTopN(100, 512)).isEqualTo(50);
        assertThat(RerankPlan.effectiveTopN(100, 513)).isEqualTo(25);
        assertThat(RerankPlan.effectiveTopN(100, 769)).isEqualTo(12);
        assertThat(RerankPlan.effectiveTopN(100, 8192)).isEqualTo(10);
    }

    @Test
    void topNNeverShrinksBelowTenOrItself() {
        assertThat(RerankPlan.effectiveTopN(4, 5000)).isEqualTo(4);
        assertThat(RerankPlan.effectiveTopN(12, 600)).isEqualTo(10);
        assertThat(RerankPlan.effectiveTopN(1, 1)).isEqualTo(1);
    }

    @Test
    void methodNamesAreValidated() {
        assertThat(RerankMethod.parse("bm25")).isEqualTo(RerankMethod.BM25);
        assertThatThrownBy(() -> RerankMethod.parse("BM25"))
                .hasMessageContaining("must be 'exact', 'bm25' or 'http', got 'BM25'");
        assertThatThrownBy(() -> RerankEndpoint.Protocol.parse("grpc"))
                .hasMessageContaining("protocol must be 'tei' or 'cohere', got 'grpc'");
    }
}
