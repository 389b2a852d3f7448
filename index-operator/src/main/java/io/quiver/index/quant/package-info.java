/** Scalar (int8) quantization of float vectors, calibrated per collection. */
package io.quiver.index.quant;
