package io.quiver.job.bulk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quiver.operator.ShardOp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatestWritesTest {

    private static final float[] A = {1f, 0f};
    private static final float[] B = {0f, 1f};

    @Test
    void theLastWriteWinsAndADeleteRemovesThePoint() {
        LatestWrites w = new LatestWrites();
        w.apply(upsert("x", A, ShardOp.NO_VERSION, 1));
        w.apply(upsert("x", B, ShardOp.NO_VERSION, 2));
        w.apply(upsert("y", A, ShardOp.NO_VERSION, 3));
        w.apply(delete("y", ShardOp.NO_VERSION, 4));
        w.apply(delete("never-written", ShardOp.NO_VERSION, 5));

        Map<String, LatestWrites.Write> points = w.collections().get("docs");
        assertThat(points).containsOnlyKeys("x");
        assertThat(points.get("x").vector()).containsExactly(B);
        assertThat(points.get("x").offset()).isEqualTo(2);
        assertThat(w.stale()).isZero();
    }

    @Test
    void anOlderVersionNeverOverwritesANewerOne() {
        LatestWrites w = new LatestWrites();
        w.apply(upsert("x", A, 5, 1));
        w.apply(upsert("x", B, 4, 2)); // stale
        w.apply(delete("x", 3, 3)); // stale
        assertThat(w.collections().get("docs").get("x").vector()).containsExactly(A);
        assertThat(w.stale()).isEqualTo(2);

        // A write without a version always applies, as in the index operator.
        w.apply(upsert("x", B, ShardOp.NO_VERSION, 4));
        assertThat(w.collections().get("docs").get("x").version()).isEqualTo(ShardOp.NO_VERSION);
    }

    @Test
    void anUpsertAfterADeleteAppliesAgainWhateverItsVersion() {
        LatestWrites w = new LatestWrites();
        w.apply(upsert("x", A, 7, 1));
        w.apply(delete("x", 8, 2));
        w.apply(upsert("x", B, 2, 3));
        assertThat(w.collections().get("docs").get("x").vector()).containsExactly(B);
    }

    @Test
    void aTopicLoadTakesNoCollectionNorFiles() {
        BulkLoadOptions.Builder b =
                BulkLoadOptions.builder()
                        .bootstrapServers("127.0.0.1:9092")
                        .savepointPath("file:///tmp/sp")
                        .topic("quiver.upserts");
        assertThat(b.build().topic()).isEqualTo("quiver.upserts");
        assertThatThrownBy(() -> b.collection("docs").build())
                .hasMessageContaining("drop --bulk-collection");
        assertThatThrownBy(() -> b.collection(null).files(List.of("a.jsonl")).build())
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> b.files(List.of()).topic(" ").build())
                .hasMessageContaining("--bulk-topic");
        assertThatThrownBy(() -> b.topic(null).build()).hasMessageContaining("--bulk-topic");
    }

    private static ShardOp upsert(String id, float[] v, long version, long offset) {
        return ShardOp.upsert(1, "docs", id, v, null, version, 0, offset);
    }

    private static ShardOp delete(String id, long version, long offset) {
        return ShardOp.delete(1, "docs", id, version, 0, offset);
    }
}
