package dev.diffusion4j.view;

/**
 * The gather maps of visual_anagrams' permutation views ({@code views/permutations.py}, {@code
 * view_skew.py}, {@code view_patch_permute.py}), generalised to every square size and equal to
 * upstream's at 64 and 256 px. Each map {@code m} reads {@code out[p] = in[m[p]]}, {@code p = y *
 * size + x}.
 */
final class Permutations {

  private Permutations() {}

  /**
   * {@code SkewView.skew_image}: column {@code i} rolled down by {@code d = int(skew_factor * (i -
   * size // 2))} (Python's {@code int} truncates towards zero, as Java's cast does); {@code
   * torch.roll(d)} reads {@code out[y] = in[(y - d) mod size]}. Works at every size.
   */
  static int[] skew(int size, double skewFactor) {
    int[] m = new int[size * size];
    int center = size / 2;
    for (int i = 0; i < size; i++) {
      int d = (int) (skewFactor * (i - center));
      for (int y = 0; y < size; y++) {
        int src = Math.floorMod(y - d, size);
        m[y * size + i] = src * size + i;
      }
    }
    return m;
  }

  /**
   * {@code PatchPermuteView}: the image as {@code cells x cells} patches of {@code size / cells}
   * px, output patch {@code j} read from patch {@code perm[j]} (row-major patch order, einops'
   * {@code '(h w)'}). Where {@code cells} does not divide the size, the grid is centred and the
   * {@code size mod cells} pixels left over stay where they are (left and top get the smaller
   * half), as upstream's square hinge leaves its extra pixel.
   */
  static int[] patches(int size, int cells, int[] perm) {
    int patch = size / cells;
    int offset = (size - patch * cells) / 2;
    int[] m = identity(size);
    for (int j = 0; j < cells * cells; j++) {
      int dy = offset + (j / cells) * patch;
      int dx = offset + (j % cells) * patch;
      int sy = offset + (perm[j] / cells) * patch;
      int sx = offset + (perm[j] % cells) * patch;
      for (int py = 0; py < patch; py++) {
        for (int px = 0; px < patch; px++) {
          m[(dy + py) * size + dx + px] = (sy + py) * size + sx + px;
        }
      }
    }
    return m;
  }

  /**
   * {@code make_inner_circle_perm}: pixels whose centre lies strictly inside the circle of radius
   * {@code r} about the image centre turn half a turn. Upstream centres at {@code size // 2 - 0.5},
   * which is the pixel grid's centre {@code (size - 1) / 2} at even sizes; the latter is used here
   * so that odd sizes stay a permutation. Works at every size.
   */
  static int[] innerCircle(int size, double r) {
    int[] m = new int[size * size];
    double c = (size - 1) / 2.0;
    for (int iy = 0; iy < size; iy++) {
      for (int ix = 0; ix < size; ix++) {
        double x = ix - c;
        double y = iy - c;
        if (x * x + y * y < r * r) {
          x = -x;
          y = -y;
        }
        int sx = (int) Math.round(x + c);
        int sy = (int) Math.round(y + c);
        m[iy * size + ix] = sx + sy * size;
      }
    }
    return m;
  }

  /**
   * {@code make_square_hinge}: a 3x3 grid of {@code size // 3} px squares, each turned a quarter
   * turn ({@code torch.rot90(k)} with {@code k = -1} where {@code (i + j)} is even, else 1); the
   * {@code size mod 3} pixels at the right and bottom stay (upstream: "1 extra pixel ... which we
   * just ignore"). Works at every size of at least 3 px.
   */
  static int[] squareHinge(int size) {
    int sq = size / 3;
    int[] m = identity(size);
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        int k = (i + j) % 2 == 0 ? -1 : 1;
        int r0 = i * sq;
        int c0 = j * sq;
        for (int a = 0; a < sq; a++) {
          for (int b = 0; b < sq; b++) {
            // torch.rot90(block, 1)[a][b] = block[b][n-1-a]; rot90(block, -1)[a][b] =
            // block[n-1-b][a]
            int sa = k == 1 ? b : sq - 1 - b;
            int sb = k == 1 ? sq - 1 - a : a;
            m[(r0 + a) * size + c0 + b] = (r0 + sa) * size + c0 + sb;
          }
        }
      }
    }
    return m;
  }

  static int[] identity(int size) {
    int[] m = new int[size * size];
    for (int i = 0; i < m.length; i++) {
      m[i] = i;
    }
    return m;
  }

  /**
   * {@code torch.randperm(n)} on the CPU right after {@code torch.manual_seed(seed)}: the MT19937
   * generator seeded with the low 32 bits of the seed, then for {@code i} in {@code [0, n - 1)}
   * swap {@code r[i]} with {@code r[i + random() % (n - i)]} (ATen's {@code randperm_cpu} for
   * {@code n} below {@code 2^32 / 20}).
   */
  static int[] torchRandperm(int n, long seed) {
    Mt19937 g = new Mt19937(seed);
    int[] r = identity1d(n);
    for (int i = 0; i < n - 1; i++) {
      long z = g.nextUnsigned() % (n - i);
      int j = (int) (i + z);
      int t = r[i];
      r[i] = r[j];
      r[j] = t;
    }
    return r;
  }

  private static int[] identity1d(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }

  /** The 32-bit Mersenne Twister (Matsumoto and Nishimura 1998) as ATen's {@code mt19937}. */
  static final class Mt19937 {
    private final int[] mt = new int[624];
    private int index = 624;

    Mt19937(long seed) {
      mt[0] = (int) seed;
      for (int i = 1; i < 624; i++) {
        mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
      }
    }

    long nextUnsigned() {
      if (index >= 624) {
        for (int k = 0; k < 624; k++) {
          int y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
          mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ ((y & 1) != 0 ? 0x9908b0df : 0);
        }
        index = 0;
      }
      int y = mt[index++];
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      return y & 0xffffffffL;
    }
  }
}
