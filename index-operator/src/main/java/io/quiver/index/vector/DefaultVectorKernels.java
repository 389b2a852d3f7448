package io.quiver.index.vector;

/** Scalar kernels: always available, the reference the SIMD kernels are tested against. */
public final class DefaultVectorKernels implements VectorKernels {

    static final DefaultVectorKernels INSTANCE = new DefaultVectorKernels();

    private DefaultVectorKernels() {}

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
        float sum = 0f;
        for (int i = 0; i < length; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    @Override
    public float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
        float sum = 0f;
        for (int i = 0; i < length; i++) {
            float d = a[aOffset + i] - b[bOffset + i];
            sum += d * d;
        }
        return sum;
    }

    @Override
    public int dotInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    @Override
    public int squareDistanceInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            int d = a[aOffset + i] - b[bOffset + i];
            sum += d * d;
        }
        return sum;
    }

    @Override
    public String name() {
        return "scalar";
    }
}
