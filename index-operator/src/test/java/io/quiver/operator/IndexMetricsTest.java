package io.quiver.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.Metric;
import io.quiver.index.flat.FlatIndex;
import io.quiver.shard.LiveCollection;
import io.quiver.shard.LiveShard;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/** The index operator's gauges, read the way Flink's reporters read them. */
class IndexMetricsTest {

    /** Flink's no-op group, keeping the gauges registered on it. */
    private static final class Gauges extends UnregisteredMetricsGroup {
        final Map<String, Gauge<?>> gauges = new HashMap<>();

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            gauges.put(name, gauge);
            return gauge;
        }

        long value(String name) {
            return ((Number) gauges.get(name).getValue()).longValue();
        }
    }

    private static LiveCollection collection(String name, String spec, int maxTerms) {
        return new LiveCollection(
                name,
                spec.getBytes(StandardCharsets.UTF_8),
                16,
                new FlatIndex(2, Metric.L2),
                maxTerms);
    }

    private static byte[] text(String text) {
        return ("{\"text\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theTermTableGaugesCountTermsAndFullTablesOverShardsAndBm25CollectionsOnly() {
        String bm25 =
                "{\"dimension\": 2, \"metric\": \"l2\", \"rerank_policy\": {\"method\": \"bm25\"}}";
        LiveShard one = new LiveShard(0);
        LiveShard two = new LiveShard(1);
        LiveCollection small = collection("docs", bm25, 3);
        LiveCollection large = collection("docs", bm25, 100);
        LiveCollection plain = collection("plain", "{\"dimension\": 2, \"metric\": \"l2\"}", 3);
        one.putCollection(small);
        one.putCollection(plain);
        two.putCollection(large);
        Gauges group = new Gauges();
        IndexMetrics.register(group, List.of(one, two));
        assertThat(group.value(IndexMetrics.BM25_TERMS)).isZero();
        assertThat(group.value(IndexMetrics.BM25_FULL_TABLES)).isZero();

        small.upsert("a", new float[] {0, 0}, text("red fox red hen"));
        large.upsert("a", new float[] {0, 0}, text("red fox"));
        plain.upsert("a", new float[] {0, 0}, text("ignored words here"));
        assertThat(group.value(IndexMetrics.BM25_TERMS)).isEqualTo(3 + 2);
        assertThat(group.value(IndexMetrics.BM25_FULL_TABLES)).isZero();

        small.upsert("b", new float[] {1, 0}, text("a grey owl"));
        assertThat(group.value(IndexMetrics.BM25_TERMS))
                .as("the small table took no more")
                .isEqualTo(3 + 2);
        assertThat(group.value(IndexMetrics.BM25_FULL_TABLES)).isEqualTo(1);
    }
}
