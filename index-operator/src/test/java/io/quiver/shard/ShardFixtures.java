package io.quiver.shard;

import io.quiver.index.Metric;
import io.quiver.index.flat.FlatIndex;
import java.nio.charset.StandardCharsets;

/** A registry with one ready shard holding a tiny collection whose neighbours are known. */
final class ShardFixtures {

    static final int SHARD = 3;
    static final String COLLECTION = "docs";

    private ShardFixtures() {}

    /** Shard 3, collection "docs" (L2, 2-d): a=(0,0), b=(1,0), c=(5,5); a has a payload. */
    static ShardRegistry registry() {
        ShardRegistry registry = new ShardRegistry();
        LiveShard shard = new LiveShard(SHARD);
        LiveCollection docs =
                new LiveCollection(
                        COLLECTION,
                        "{}".getBytes(StandardCharsets.UTF_8),
                        64,
                        new FlatIndex(2, Metric.L2));
        docs.upsert("a", new float[] {0, 0}, "{\"k\":1}".getBytes(StandardCharsets.UTF_8));
        docs.upsert("b", new float[] {1, 0}, null);
        docs.upsert("c", new float[] {5, 5}, null);
        shard.putCollection(docs);
        shard.advance(0, 41);
        shard.setReady(true);
        registry.register(shard);
        return registry;
    }
}
