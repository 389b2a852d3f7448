package io.quiver.operator;

import io.quiver.index.Metric;
import io.quiver.index.VectorIndex;
import io.quiver.index.flat.FlatIndex;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.IndexType;
import java.io.Serializable;

/**
 * Builds the in-heap index of one (shard, collection) from the collection's spec: the seam where
 * index types plug in. {@link #defaults()} builds a {@link FlatIndex} for every type until the HNSW
 * index exists; a spec asking for HNSW gets exact search meanwhile, which is slower but never less
 * accurate.
 */
@FunctionalInterface
public interface IndexFactory extends Serializable {

    VectorIndex create(CollectionSpec spec);

    /** The factory the job uses. */
    static IndexFactory defaults() {
        return spec -> {
            Metric metric = Metric.parse(spec.getMetric().name());
            IndexType type = spec.getIndex() == null ? IndexType.FLAT : spec.getIndex().getType();
            switch (type) {
                case FLAT:
                case HNSW:
                default:
                    return new FlatIndex(spec.getDimension(), metric);
            }
        };
    }
}
