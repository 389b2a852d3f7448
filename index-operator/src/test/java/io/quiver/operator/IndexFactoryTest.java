package io.quiver.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.index.SearchHits;
import io.quiver.index.VectorIndex;
import io.quiver.index.flat.FlatIndex;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.UpsertCodec;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IndexFactoryTest {

    private static CollectionSpec spec(String index) throws Exception {
        return CollectionSpecs.fromJson(
                "docs",
                UpsertCodec.mapper()
                        .readTree(
                                "{\"dimension\": 8, \"metric\": \"l2\", \"index\": "
                                        + index
                                        + "}"));
    }

    @Test
    void flatSpecsGetExactSearchAndHnswSpecsGetAGraph() throws Exception {
        assertThat(IndexFactory.defaults().create(spec("{\"type\": \"flat\"}")))
                .isInstanceOf(FlatIndex.class);
        assertThat(IndexFactory.defaults().create(spec("{\"type\": \"hnsw\", \"m\": 8}")))
                .isInstanceOf(HnswIndex.class);
        assertThat(
                        IndexFactory.defaults()
                                .create(spec("{\"type\": \"hnsw\", \"storage\": \"int8\"}")))
                .isInstanceOf(HnswIndex.class);
    }

    @Test
    void aSpecWithoutIndexTypeGetsAGraph() throws Exception {
        assertThat(IndexFactory.defaults().create(spec("{}"))).isInstanceOf(HnswIndex.class);
    }

    @Test
    void anHnswCollectionFindsEachPointsOwnVector() throws Exception {
        VectorIndex index = IndexFactory.defaults().create(spec("{\"type\": \"hnsw\"}"));
        Random random = new Random(3);
        float[][] vectors = new float[500][8];
        for (int i = 0; i < vectors.length; i++) {
            for (int d = 0; d < 8; d++) {
                vectors[i][d] = random.nextFloat();
            }
            index.upsert("p" + i, vectors[i]);
        }
        for (int i = 0; i < vectors.length; i += 25) {
            SearchHits hits = index.search(vectors[i], 1, 64, null);
            assertThat(hits.id(0)).isEqualTo("p" + i);
        }
        assertThat(index.delete("p0")).isTrue();
        assertThat(index.search(vectors[0], 1, 64, null).id(0)).isNotEqualTo("p0");
    }
}
