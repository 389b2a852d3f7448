/**
 * The {@code flat} index type: exact search by a full scan through the SIMD distance kernels. It is
 * a collection's exact option and the ground truth approximate indexes are measured against.
 */
package io.quiver.index.flat;
