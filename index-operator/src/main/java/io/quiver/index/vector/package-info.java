/**
 * Distance kernels behind one seam, {@link io.quiver.index.vector.VectorKernels}: the scalar
 * reference and a Vector API implementation chosen once per JVM ({@code
 * -Dquiver.vector.scalar=true} forces scalar).
 */
package io.quiver.index.vector;
