/**
 * Classifier-free guidance.
 *
 * <pre>{@code
 * Tensor eps = Guidance.classifierFree(epsConditional, epsUnconditional, 7.0);
 * }</pre>
 */
package dev.diffusion4j.guidance;
