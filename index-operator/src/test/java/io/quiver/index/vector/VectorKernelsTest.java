package io.quiver.index.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VectorKernelsTest {

    private static final VectorKernels SCALAR = VectorKernels.scalar();
    private static final VectorKernels SIMD = new PanamaVectorKernels();

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 207, 1021})
    void floatKernelsAgreeWithScalarWithinRounding(int length) {
        SplittableRandom random = new SplittableRandom(length);
        // Offsets make the slices start off any vector boundary.
        float[] a = new float[length + 5];
        float[] b = new float[length + 3];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextGaussian();
        }
        float dot = SCALAR.dot(a, 5, b, 3, length);
        float l2 = SCALAR.squareDistance(a, 5, b, 3, length);
        // Summation order differs: allow a relative error of 1e-5 of the sum of magnitudes.
        double scale = 0;
        for (int i = 0; i < length; i++) {
            scale += Math.abs(a[5 + i] * b[3 + i]) + Math.pow(a[5 + i] - b[3 + i], 2);
        }
        assertThat(SIMD.dot(a, 5, b, 3, length)).isCloseTo(dot, within((float) (1e-5 * scale)));
        assertThat(SIMD.squareDistance(a, 5, b, 3, length))
                .isCloseTo(l2, within((float) (1e-5 * scale)));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 207, 1021})
    void int8KernelsAreExact(int length) {
        SplittableRandom random = new SplittableRandom(31 * length);
        byte[] a = new byte[length + 7];
        byte[] b = new byte[length + 1];
        for (int i = 0; i < a.length; i++) {
            a[i] = (byte) random.nextInt(256);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        // Extremes too: -128 * -128 and (127 - -128)^2 are the largest terms.
        a[7] = -128;
        b[1] = (byte) (length > 1 ? 127 : -128);
        assertThat(SIMD.dotInt8(a, 7, b, 1, length)).isEqualTo(SCALAR.dotInt8(a, 7, b, 1, length));
        assertThat(SIMD.squareDistanceInt8(a, 7, b, 1, length))
                .isEqualTo(SCALAR.squareDistanceInt8(a, 7, b, 1, length));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 13})
    void emptyAndShortSlicesWork(int length) {
        float[] a = new float[16];
        java.util.Arrays.fill(a, 2f);
        assertThat(SIMD.dot(a, 0, a, 0, length)).isEqualTo(4f * length);
        assertThat(SIMD.squareDistance(a, 0, a, 0, length)).isZero();
    }

    @org.junit.jupiter.api.Test
    void theJvmPicksTheVectorApiWhenTheModuleIsPresent() {
        // Surefire starts the JVM with --add-modules jdk.incubator.vector.
        assertThat(VectorKernels.get().name()).startsWith("panama-");
        assertThat(VectorKernels.scalar().name()).isEqualTo("scalar");
    }
}
