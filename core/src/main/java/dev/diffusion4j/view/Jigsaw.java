package dev.diffusion4j.view;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;

/**
 * visual_anagrams' 4x4 jigsaw ({@code JigsawView}, {@code make_jigsaw_perm}). The 16 pieces are
 * laid out as
 *
 * <pre>
 * c0 e0 f0 c1
 * f3 i0 i1 e1
 * e3 i3 i2 f1
 * c3 f2 e2 c2
 * </pre>
 *
 * with piece index {@code 4 * type + k} (types corner, inner, edge e, edge f), piece {@code k} of a
 * type being piece 0 turned {@code k} quarter turns clockwise. A piece moves to the place of piece
 * {@code piece_perms[index]} of its type by turning about the image centre, and an edge piece then
 * swaps with its neighbour on the same border where {@code edge_swaps} says so.
 *
 * <p>At 64 and 256 px the map is upstream's own, made from the pieces upstream ships and committed
 * as {@code jigsaw-4522-<size>.u16.gz}. At other sizes the pieces are drawn here: square cells with
 * a round tab on each inner edge, the tabs laid out so that the drawing turns into itself a quarter
 * turn at a time and the e and f pieces have one shape, which is all the permutation needs.
 */
final class Jigsaw {

  /** {@code JigsawView()}'s default seed, whose permutation this library ships. */
  static final int SEED = 4522;

  /** {@code piece_perms} of {@code make_jigsaw_perm(size, seed=4522)}. */
  static final int[] PIECE_PERMS = {3, 2, 1, 0, 3, 2, 1, 0, 1, 0, 3, 2, 3, 2, 1, 0};

  /** {@code edge_swaps} of {@code make_jigsaw_perm(size, seed=4522)}. */
  static final int[] EDGE_SWAPS = {0, 1, 0, 0};

  /** Piece index of each cell, row-major, as upstream's docstring lays them out. */
  private static final int[] LAYOUT = {
    0, 8, 12, 1, //
    15, 4, 5, 9, //
    11, 7, 6, 13, //
    3, 14, 10, 2
  };

  /** Tab radius and the offset of its centre into the receiving cell, in cell sides. */
  private static final double TAB_RADIUS = 0.2;

  private static final double TAB_OFFSET = 0.15;

  /**
   * One tab of each of the six orbits of inner edges under a quarter turn, as {source cell, target
   * cell} (row * 4 + column); the other 18 are their turns. Chosen so that c0 gives a tab to e0, e0
   * to f0 and to i0, f3 to c0 and to i0, i0 to i1: then e0 and f0 (and every e and f) have the same
   * shape, which the edge swaps need.
   */
  private static final int[][] TABS = {{0, 1}, {1, 2}, {4, 0}, {1, 5}, {4, 5}, {5, 6}};

  private Jigsaw() {}

  /** The map at a size: upstream's at 64 and 256 px, drawn pieces elsewhere. */
  static int[] map(int size) {
    if (size == 64 || size == 256) {
      return shipped(size);
    }
    if (size % 2 != 0 || size < 8) {
      throw new IllegalArgumentException(
          "jigsaw needs an even size of at least 8 px (a 4x4 grid of pieces turning about the"
              + " centre), but the size is "
              + size);
    }
    return permutation(labels(size), size, PIECE_PERMS, EDGE_SWAPS);
  }

  private static int[] shipped(int size) {
    String resource = "jigsaw-" + SEED + "-" + size + ".u16.gz";
    try (InputStream raw = Jigsaw.class.getResourceAsStream(resource)) {
      if (raw == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      try (InputStream in = new GZIPInputStream(raw)) {
        byte[] b = in.readAllBytes();
        if (b.length != 2 * size * size) {
          throw new IllegalStateException(
              resource + " holds " + b.length + " bytes; expected " + 2 * size * size);
        }
        int[] m = new int[size * size];
        for (int i = 0; i < m.length; i++) {
          m[i] = (b[2 * i] & 0xff) | (b[2 * i + 1] & 0xff) << 8;
        }
        return m;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  /**
   * The piece index of every pixel (-1 for the border that a size not divisible by 4 leaves), in
   * doubled coordinates centred on the image ({@code X = 2x - (size - 1)}), so that a quarter turn
   * {@code (X, Y) -> (-Y, X)} is exact.
   */
  static int[] labels(int size) {
    int cells = size / 4;
    int g = 4 * cells; // grid side in px, centred: the border is (size - g) / 2 on each side
    double[][] tabs = new double[24][];
    int t = 0;
    for (int[] tab : TABS) {
      int src = tab[0];
      int dst = tab[1];
      // centre: the middle of the shared edge, moved into the receiving cell (doubled coordinates)
      double cx = -g + 2.0 * cells * ((src % 4 + dst % 4) / 2.0 + 0.5);
      double cy = -g + 2.0 * cells * ((src / 4 + dst / 4) / 2.0 + 0.5);
      cx += 2.0 * cells * TAB_OFFSET * (dst % 4 - src % 4);
      cy += 2.0 * cells * TAB_OFFSET * (dst / 4 - src / 4);
      for (int k = 0; k < 4; k++) {
        tabs[t++] = new double[] {src, dst, cx, cy};
        // a quarter turn clockwise: cell (r, c) -> (c, 3 - r), point (X, Y) -> (-Y, X)
        src = (src % 4) * 4 + 3 - src / 4;
        dst = (dst % 4) * 4 + 3 - dst / 4;
        double nx = -cy;
        cy = cx;
        cx = nx;
      }
    }
    double r2 = Math.pow(2.0 * cells * TAB_RADIUS, 2);
    int[] labels = new int[size * size];
    for (int y = 0; y < size; y++) {
      int yy = 2 * y - (size - 1);
      for (int x = 0; x < size; x++) {
        int xx = 2 * x - (size - 1);
        if (Math.abs(xx) > g || Math.abs(yy) > g) {
          labels[y * size + x] = -1;
          continue;
        }
        int cell = ((yy + g) / (2 * cells)) * 4 + (xx + g) / (2 * cells);
        int label = LAYOUT[cell];
        for (double[] tab : tabs) {
          if ((int) tab[1] == cell) {
            double dx = xx - tab[2];
            double dy = yy - tab[3];
            if (dx * dx + dy * dy < r2) {
              label = LAYOUT[(int) tab[0]];
            }
          }
        }
        labels[y * size + x] = label;
      }
    }
    return labels;
  }

  /**
   * {@code make_jigsaw_perm} on a piece map: each pixel turned from its piece's orientation to the
   * orientation {@code piece_perms} gives (the quarter turns done exactly, where upstream rounds a
   * float rotation), then, on an edge piece whose swap bit is set at the new place, moved a cell
   * along its border. Pixels labelled -1 stay.
   */
  static int[] permutation(int[] labels, int size, int[] piecePerms, int[] edgeSwaps) {
    int cells = size / 4;
    int[] perm = new int[size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int pieceIdx = labels[y * size + x];
        if (pieceIdx < 0) {
          perm[y * size + x] = y * size + x;
          continue;
        }
        int rotIdx = pieceIdx % 4;
        int turns = Math.floorMod(piecePerms[pieceIdx] - rotIdx, 4);
        int cx = 2 * x - (size - 1);
        int cy = 2 * y - (size - 1);
        for (int k = 0; k < turns; k++) {
          // angle +90 degrees: nx = -cy, ny = cx
          int nx = -cy;
          cy = cx;
          cx = nx;
        }
        int nx = (cx + size - 1) / 2;
        int ny = (cy + size - 1) / 2;
        int newPieceIdx = labels[ny * size + nx];
        int edgeIdx = newPieceIdx % 4;
        if (newPieceIdx >= 8 && edgeSwaps[edgeIdx] == 1) {
          int isFEdge = (newPieceIdx - 8) / 4;
          int edgeTypeParity = 1 - 2 * isFEdge;
          int rotationParity = 1 - 2 * (edgeIdx / 2);
          if (edgeIdx % 2 == 0) {
            nx += cells * edgeTypeParity * rotationParity;
          } else {
            ny += cells * edgeTypeParity * rotationParity;
          }
        }
        perm[y * size + x] = ny * size + nx;
      }
    }
    return perm;
  }
}
