package io.quiver.local.bench;

import io.quiver.local.demo.IdxImages;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * One data set of the run: the {@code base} vectors ingested at full speed, {@code more} vectors
 * for the sustained-ingest phase (new ids) and {@code queries} for search latency. For
 * Fashion-MNIST the test split gives the queries and the train split is the base; it has no
 * sustained phase.
 */
record Dataset(String name, float[][] base, float[][] more, float[][] queries) {

    int dimension() {
        return base[0].length;
    }

    /**
     * A seeded Gaussian mixture, as {@code scripts/bench/ann generate} draws: clusters of different
     * spread around random centres, closer to real embeddings than a uniform cube.
     */
    static Dataset generated(int n, int dim, int more, int queries, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int clusters = Math.max(1, Math.min(1000, n / 100));
        float[][] centres = new float[clusters][dim];
        float[] spread = new float[clusters];
        for (int c = 0; c < clusters; c++) {
            for (int j = 0; j < dim; j++) {
                centres[c][j] = (float) random.nextGaussian();
            }
            spread[c] = (float) (0.2 + 0.4 * random.nextDouble());
        }
        return new Dataset(
                "generated-" + n + "x" + dim,
                draw(n, centres, spread, random),
                draw(more, centres, spread, random),
                draw(queries, centres, spread, random));
    }

    static Dataset fashionMnist(Path dir, int queries) throws IOException {
        IdxImages train = IdxImages.read(dir, "train", Integer.MAX_VALUE);
        IdxImages test = IdxImages.read(dir, "t10k", queries);
        float[][] base = train.vectors();
        return new Dataset("fashion-mnist-" + base.length, base, new float[0][], test.vectors());
    }

    private static float[][] draw(
            int count, float[][] centres, float[] spread, SplittableRandom random) {
        int dim = centres[0].length;
        float[][] v = new float[count][dim];
        for (int i = 0; i < count; i++) {
            int c = random.nextInt(centres.length);
            for (int j = 0; j < dim; j++) {
                v[i][j] = centres[c][j] + spread[c] * (float) random.nextGaussian();
            }
        }
        return v;
    }
}
