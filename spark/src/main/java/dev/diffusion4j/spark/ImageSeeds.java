package dev.diffusion4j.spark;

/**
 * The seed of each image of a request: image {@code i} of a request with seed {@code s} is
 * generated alone ({@code samples(1)}) with seed {@code ImageSeeds.of(s, i)}, the {@code i}-th
 * output of SplitMix64 seeded with {@code s} (Steele, Lea and Flood 2014; the generator of {@link
 * java.util.SplittableRandom}, whose {@code new SplittableRandom(s)} gives the same numbers).
 *
 * <p>So an image depends on its request and its index only, never on how the requests were
 * partitioned or on which executor ran it, and the seed written to the manifest regenerates it in
 * one JVM: {@code diffusion.pipeline().label(7).samples(1).seed(seed).generate()}. Mixing rather
 * than adding the index keeps requests with nearby seeds ({@code 42} and {@code 43}) from sharing
 * images.
 *
 * <p>Core's per-sample seeds follow the same rule, so images may also be generated in batches:
 * sample {@code j} of {@code seeds(ImageSeeds.of(s, i), ImageSeeds.of(s, i + 1), ...)} equals image
 * {@code i + j} generated alone.
 *
 * <p>Stateless and thread-safe.
 */
public final class ImageSeeds {

  /** SplitMix64's increment, the odd integer closest to {@code 2^64 / phi}. */
  static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private ImageSeeds() {}

  /**
   * Returns the seed of one image.
   *
   * @param seed the request's seed
   * @param index the image's index in the request, {@code >= 0}
   * @return SplitMix64's output number {@code index} (from 0) for {@code seed}
   * @throws IllegalArgumentException if the index is negative
   */
  public static long of(long seed, long index) {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0, but is: " + index);
    }
    // 1. advance the state by index + 1 increments (what nextLong() does, index + 1 times)
    long z = seed + (index + 1) * GOLDEN_GAMMA;
    // 2. mix64: David Stafford's variant 13 of MurmurHash3's finalizer
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
