package io.quiver.chaos;

import java.util.SplittableRandom;

/**
 * The vector of every point the suite writes, a pure function of the run's seed and the point id,
 * so the checker can recompute it instead of remembering 100,000 vectors.
 */
final class Vectors {

    private final long seed;
    private final int dimension;

    Vectors(long seed, int dimension) {
        this.seed = seed;
        this.dimension = dimension;
    }

    int dimension() {
        return dimension;
    }

    float[] of(String id) {
        SplittableRandom random =
                new SplittableRandom(seed ^ (id.hashCode() * 0x9E3779B97F4A7C15L));
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** The vector as a JSON array. */
    String json(String id) {
        return json(of(id));
    }

    static String json(float[] v) {
        StringBuilder b = new StringBuilder(v.length * 12).append('[');
        for (int i = 0; i < v.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(v[i]);
        }
        return b.append(']').toString();
    }
}
