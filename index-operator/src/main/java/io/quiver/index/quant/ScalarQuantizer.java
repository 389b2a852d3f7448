package io.quiver.index.quant;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Maps float components to signed bytes with one affine map per collection: {@code x ≈ alpha *
 * (code + 128) + min}, 256 levels between the calibrated bounds.
 *
 * <p>One map for all dimensions keeps squared L2 between codes proportional to squared L2 between
 * the reconstructed vectors ({@code alpha²} times), so graph search can compare codes directly. Dot
 * products need the per-vector code sums (see {@link #dot}). Bounds come from quantiles of a sample
 * so that a few outliers do not waste levels; values outside are clamped.
 */
public final class ScalarQuantizer {

    /** Share of components clipped at each end when calibrating: outliers cost little recall. */
    public static final double DEFAULT_CLIP = 1e-5;

    /** At most this many components are sorted to find the bounds. */
    static final int MAX_SAMPLE_VALUES = 1 << 21;

    private final float min;
    private final float max;
    private final float alpha;
    private final float invAlpha;
    private final float beta;

    /**
     * @param min the value coded as -128
     * @param max the value coded as 127; must be at least {@code min}
     */
    public ScalarQuantizer(float min, float max) {
        if (!Float.isFinite(min) || !Float.isFinite(max) || max < min) {
            throw new IllegalArgumentException(
                    "quantizer bounds must be finite with min <= max, got ["
                            + min
                            + ", "
                            + max
                            + "]");
        }
        this.min = min;
        this.max = max;
        float range = max - min;
        this.alpha = range > 0f ? range / 255f : 1f;
        this.invAlpha = 1f / alpha;
        this.beta = 128f * alpha + min;
    }

    /**
     * Calibrates on {@code count} vectors of {@code dimension} floats stored one after another in
     * {@code vectors}; at most {@link #MAX_SAMPLE_VALUES} components are sampled, seeded so that
     * the same data gives the same quantizer.
     */
    public static ScalarQuantizer calibrate(float[] vectors, int count, int dimension) {
        long total = (long) count * dimension;
        if (count <= 0 || dimension <= 0 || total > vectors.length) {
            throw new IllegalArgumentException(
                    "cannot calibrate on " + count + " vectors of dimension " + dimension);
        }
        float[] sample;
        if (total <= MAX_SAMPLE_VALUES) {
            sample = Arrays.copyOf(vectors, (int) total);
        } else {
            sample = new float[MAX_SAMPLE_VALUES];
            SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < sample.length; i++) {
                sample[i] = vectors[(int) random.nextLong(total)];
            }
        }
        Arrays.sort(sample);
        int clip = (int) (sample.length * DEFAULT_CLIP);
        return new ScalarQuantizer(sample[clip], sample[sample.length - 1 - clip]);
    }

    /**
     * Writes the codes of {@code src[srcOffset .. srcOffset + length)} to {@code dst} and returns
     * the sum of the codes (needed by {@link #dot}).
     */
    public int quantize(float[] src, int srcOffset, byte[] dst, int dstOffset, int length) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            int level = Math.round((src[srcOffset + i] - min) * invAlpha);
            int code = Math.max(0, Math.min(255, level)) - 128;
            dst[dstOffset + i] = (byte) code;
            sum += code;
        }
        return sum;
    }

    /** The value a code stands for. */
    public float dequantize(byte code) {
        return alpha * code + beta;
    }

    /** Squared L2 between two vectors given the squared L2 between their codes. */
    public float squareDistance(int codeSquareDistance) {
        return alpha * alpha * codeSquareDistance;
    }

    /**
     * Dot product of two reconstructed vectors: with {@code x = alpha * c + beta} per component,
     * {@code x·y = alpha² c·d + alpha beta (Σc + Σd) + dimension beta²}.
     */
    public float dot(int codeDot, int sumA, int sumB, int dimension) {
        return alpha * alpha * codeDot + alpha * beta * (sumA + sumB) + dimension * beta * beta;
    }

    public float min() {
        return min;
    }

    public float max() {
        return max;
    }

    @Override
    public String toString() {
        return "ScalarQuantizer[" + min + ", " + max() + "]";
    }
}
