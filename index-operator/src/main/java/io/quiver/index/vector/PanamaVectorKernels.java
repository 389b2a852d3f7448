package io.quiver.index.vector;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the Vector API ({@code jdk.incubator.vector}) with the widest species the CPU offers.
 * Float loops keep four independent accumulators so that consecutive fused multiply-adds do not
 * wait on each other's latency; tails shorter than one vector run the scalar loop.
 *
 * <p>Loaded reflectively by {@link VectorKernelsProvider}; do not reference it from code that must
 * run without the incubator module.
 */
final class PanamaVectorKernels implements VectorKernels {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int FL = F.length();
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int IL = I.length();
    // As many bytes as the int species has lanes, widened lane by lane (B2I) before arithmetic.
    private static final VectorSpecies<Byte> B =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(IL * Byte.SIZE));

    PanamaVectorKernels() {
        if (FL < 4) {
            throw new UnsupportedOperationException(
                    "preferred float species has only " + FL + " lanes");
        }
    }

    @Override
    public float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
        int i = 0;
        float sum = 0f;
        if (length >= FL) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int bound = length - 4 * FL; i <= bound; i += 4 * FL) {
                acc0 = load(a, aOffset + i).fma(load(b, bOffset + i), acc0);
                acc1 = load(a, aOffset + i + FL).fma(load(b, bOffset + i + FL), acc1);
                acc2 = load(a, aOffset + i + 2 * FL).fma(load(b, bOffset + i + 2 * FL), acc2);
                acc3 = load(a, aOffset + i + 3 * FL).fma(load(b, bOffset + i + 3 * FL), acc3);
            }
            for (int bound = length - FL; i <= bound; i += FL) {
                acc0 = load(a, aOffset + i).fma(load(b, bOffset + i), acc0);
            }
            sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < length; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    @Override
    public float squareDistance(float[] a, int aOffset, float[] b, int bOffset, int length) {
        int i = 0;
        float sum = 0f;
        if (length >= FL) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = FloatVector.zero(F);
            FloatVector acc2 = FloatVector.zero(F);
            FloatVector acc3 = FloatVector.zero(F);
            for (int bound = length - 4 * FL; i <= bound; i += 4 * FL) {
                FloatVector d0 = load(a, aOffset + i).sub(load(b, bOffset + i));
                FloatVector d1 = load(a, aOffset + i + FL).sub(load(b, bOffset + i + FL));
                FloatVector d2 = load(a, aOffset + i + 2 * FL).sub(load(b, bOffset + i + 2 * FL));
                FloatVector d3 = load(a, aOffset + i + 3 * FL).sub(load(b, bOffset + i + 3 * FL));
                acc0 = d0.fma(d0, acc0);
                acc1 = d1.fma(d1, acc1);
                acc2 = d2.fma(d2, acc2);
                acc3 = d3.fma(d3, acc3);
            }
            for (int bound = length - FL; i <= bound; i += FL) {
                FloatVector d0 = load(a, aOffset + i).sub(load(b, bOffset + i));
                acc0 = d0.fma(d0, acc0);
            }
            sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < length; i++) {
            float d = a[aOffset + i] - b[bOffset + i];
            sum += d * d;
        }
        return sum;
    }

    @Override
    public int dotInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
        int i = 0;
        int sum = 0;
        if (length >= IL) {
            IntVector acc0 = IntVector.zero(I);
            IntVector acc1 = IntVector.zero(I);
            for (int bound = length - 2 * IL; i <= bound; i += 2 * IL) {
                acc0 = acc0.add(widen(a, aOffset + i).mul(widen(b, bOffset + i)));
                acc1 = acc1.add(widen(a, aOffset + i + IL).mul(widen(b, bOffset + i + IL)));
            }
            for (int bound = length - IL; i <= bound; i += IL) {
                acc0 = acc0.add(widen(a, aOffset + i).mul(widen(b, bOffset + i)));
            }
            sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < length; i++) {
            sum += a[aOffset + i] * b[bOffset + i];
        }
        return sum;
    }

    @Override
    public int squareDistanceInt8(byte[] a, int aOffset, byte[] b, int bOffset, int length) {
        int i = 0;
        int sum = 0;
        if (length >= IL) {
            IntVector acc0 = IntVector.zero(I);
            IntVector acc1 = IntVector.zero(I);
            for (int bound = length - 2 * IL; i <= bound; i += 2 * IL) {
                IntVector d0 = widen(a, aOffset + i).sub(widen(b, bOffset + i));
                IntVector d1 = widen(a, aOffset + i + IL).sub(widen(b, bOffset + i + IL));
                acc0 = acc0.add(d0.mul(d0));
                acc1 = acc1.add(d1.mul(d1));
            }
            for (int bound = length - IL; i <= bound; i += IL) {
                IntVector d0 = widen(a, aOffset + i).sub(widen(b, bOffset + i));
                acc0 = acc0.add(d0.mul(d0));
            }
            sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < length; i++) {
            int d = a[aOffset + i] - b[bOffset + i];
            sum += d * d;
        }
        return sum;
    }

    @Override
    public String name() {
        return "panama-" + F.vectorBitSize();
    }

    private static FloatVector load(float[] array, int offset) {
        return FloatVector.fromArray(F, array, offset);
    }

    private static IntVector widen(byte[] array, int offset) {
        return (IntVector)
                ByteVector.fromArray(B, array, offset).convertShape(VectorOperators.B2I, I, 0);
    }
}
