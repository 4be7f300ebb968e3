/**
 * The immutable NCHW float {@link dev.diffusion4j.tensor.Tensor} every other package works on.
 *
 * <pre>{@code
 * Tensor x = Tensor.zeros(1, 3, 64, 64);
 * Tensor up = x.resizeBilinear(256, 256);           // align_corners = true
 * Tensor upsideDown = x.flipVertical();
 * }</pre>
 */
package dev.diffusion4j.tensor;
