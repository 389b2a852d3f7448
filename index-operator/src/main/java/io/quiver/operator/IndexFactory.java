package io.quiver.operator;

import io.quiver.index.Metric;
import io.quiver.index.VectorIndex;
import io.quiver.index.flat.FlatIndex;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.index.hnsw.Storage;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.IndexParams;
import java.io.Serializable;

/**
 * Builds the in-heap index of one (shard, collection) from the collection's spec: the seam where
 * index types plug in. {@link #defaults()} builds an {@link HnswIndex} with the spec's {@code m},
 * {@code ef_construction} and storage for {@code hnsw} (the default type) and a {@link FlatIndex}
 * (exact) for {@code flat}; the spec's {@code ef} is applied per search by the shard server.
 */
@FunctionalInterface
public interface IndexFactory extends Serializable {

    VectorIndex create(CollectionSpec spec);

    /**
     * An index for a bulk load of many vectors at once (a rebuild from the records at restore):
     * like {@link #create} but free to link on {@code buildThreads} threads. Defaults to {@link
     * #create}.
     */
    default VectorIndex createForBulkLoad(CollectionSpec spec, int buildThreads) {
        return create(spec);
    }

    /** The factory the job uses. */
    static IndexFactory defaults() {
        return new Defaults();
    }

    /** See {@link #defaults()}. */
    final class Defaults implements IndexFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public VectorIndex create(CollectionSpec spec) {
            // One shard's index grows one upsert at a time on the task thread.
            return build(spec, 1);
        }

        @Override
        public VectorIndex createForBulkLoad(CollectionSpec spec, int buildThreads) {
            return build(spec, buildThreads);
        }

        private static VectorIndex build(CollectionSpec spec, int buildThreads) {
            Metric metric = Metric.parse(spec.getMetric().name());
            IndexParams p = spec.getIndex();
            if (p != null && p.getType() == io.quiver.schemas.avro.IndexType.FLAT) {
                return new FlatIndex(spec.getDimension(), metric);
            }
            if (p == null) {
                // A spec built in code without index parameters gets the documented defaults.
                p = IndexParams.newBuilder().build();
            }
            return HnswIndex.builder(spec.getDimension(), metric)
                    .m(p.getM())
                    .efConstruction(p.getEfConstruction())
                    .storage(
                            p.getStorage() == io.quiver.schemas.avro.Storage.INT8
                                    ? Storage.INT8
                                    : Storage.FLOAT32)
                    .buildThreads(buildThreads)
                    .build();
        }
    }
}
