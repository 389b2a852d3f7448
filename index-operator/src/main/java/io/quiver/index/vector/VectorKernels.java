package io.quiver.index.vector;

/**
 * Distance kernels over vectors stored in large contiguous arrays.
 *
 * <p>Every method reads {@code length} components of {@code a} from {@code aOffset} and of {@code
 * b} from {@code bOffset}. Implementations must agree with {@link DefaultVectorKernels} up to float
 * rounding (the order of summation differs between scalar and SIMD loops); the int8 kernels are
 * exact and must agree bit for bit.
 *
 * <p>Obtain the implementation for this JVM with {@link #get()}: the Vector API one when the {@code
 * jdk.incubator.vector} module is present, else the scalar one, chosen once. Setting the system
 * property {@code quiver.vector.scalar=true} forces the scalar kernels.
 */
public interface VectorKernels {

    /** Dot product of the two slices. */
    float dot(float[] a, int aOffset, float[] b, int bOffset, int length);

    /** Squared Euclidean distance of the two slices. */
    float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length);

    /**
     * Dot product of two signed int8 slices. Exact as long as {@code length < 2^17} (every product
     * fits in 15 bits).
     */
    int dotInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length);

    /**
     * Squared Euclidean distance of two signed int8 slices. Exact as long as {@code length < 2^15}
     * (every square fits in 16 bits).
     */
    int squareDistanceInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length);

    /** A short name for logs and benchmark output ({@code scalar} or {@code panama-512}...). */
    String name();

    /** The kernels chosen for this JVM at start-up. */
    static VectorKernels get() {
        return VectorKernelsProvider.INSTANCE;
    }

    /** The always-correct scalar kernels, for tests and as the fallback. */
    static VectorKernels scalar() {
        return DefaultVectorKernels.INSTANCE;
    }
}
