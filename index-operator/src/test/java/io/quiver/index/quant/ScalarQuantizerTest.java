package io.quiver.index.quant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.quiver.index.vector.VectorKernels;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ScalarQuantizerTest {

    @Test
    void codesReconstructWithinHalfAStep() {
        ScalarQuantizer q = new ScalarQuantizer(-2f, 3f);
        float step = 5f / 255f;
        float[] x = {-2f, -1.234f, 0f, 0.5f, 2.999f, 3f};
        byte[] codes = new byte[x.length];
        q.quantize(x, 0, codes, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            assertThat(q.dequantize(codes[i])).isCloseTo(x[i], within(step / 2 + 1e-5f));
        }
        // Out-of-range values clamp to the ends.
        float[] outside = {-10f, 10f};
        byte[] c = new byte[2];
        q.quantize(outside, 0, c, 0, 2);
        assertThat(c).containsExactly((byte) -128, (byte) 127);
    }

    @Test
    void dotAndSquareDistanceFromCodesMatchTheReconstructedVectors() {
        SplittableRandom random = new SplittableRandom(3);
        int dim = 50;
        float[] a = new float[dim];
        float[] b = new float[dim];
        for (int i = 0; i < dim; i++) {
            a[i] = (float) random.nextGaussian();
            b[i] = (float) random.nextGaussian();
        }
        ScalarQuantizer q = new ScalarQuantizer(-3f, 3f);
        byte[] ca = new byte[dim];
        byte[] cb = new byte[dim];
        int sa = q.quantize(a, 0, ca, 0, dim);
        int sb = q.quantize(b, 0, cb, 0, dim);
        double dot = 0;
        double l2 = 0;
        for (int i = 0; i < dim; i++) {
            float ra = q.dequantize(ca[i]);
            float rb = q.dequantize(cb[i]);
            dot += ra * rb;
            l2 += (ra - rb) * (ra - rb);
        }
        VectorKernels k = VectorKernels.scalar();
        assertThat(q.dot(k.dotInt8(ca, 0, cb, 0, dim), sa, sb, dim))
                .isCloseTo((float) dot, within(1e-3f));
        assertThat(q.squareDistance(k.squareDistanceInt8(ca, 0, cb, 0, dim)))
                .isCloseTo((float) l2, within(1e-3f));
    }

    @Test
    void calibrationClipsRareOutliersAndRejectsBadInput() {
        float[] values = new float[100_000];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble();
        }
        values[17] = 1e6f;
        ScalarQuantizer q = ScalarQuantizer.calibrate(values, 1000, 100);
        assertThat(q.max()).isLessThan(2f);
        assertThat(q.min()).isGreaterThanOrEqualTo(0f);
        assertThatThrownBy(() -> ScalarQuantizer.calibrate(values, 2000, 100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2000 vectors");
        assertThatThrownBy(() -> new ScalarQuantizer(1f, 0f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[1.0, 0.0]");
    }
}
