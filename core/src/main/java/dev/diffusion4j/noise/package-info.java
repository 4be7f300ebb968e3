/**
 * Where a run's Gaussian noise comes from: a seed, or explicit tensors.
 *
 * <pre>{@code
 * NoiseSource noise = NoiseSource.seeded(42);
 * Tensor z = noise.next(1, 3, 64, 64);
 * }</pre>
 */
package dev.diffusion4j.noise;
