package dev.diffusion4j.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Lays out images in a grid, scaled up by an integer factor (nearest neighbour, so small MNIST
 * digits stay crisp), with an optional caption under each tile.
 *
 * <p>Stateless and thread-safe.
 */
public final class ImageGrid {

  private static final int PAD = 4;
  private static final int CAPTION_HEIGHT = 16;

  /** The largest magnification accepted: {@value} (a 28x28 digit becomes 7168x7168). */
  public static final int MAX_SCALE = 256;

  private ImageGrid() {}

  /**
   * Renders a grid on a white background.
   *
   * @param tiles the images, row by row; all scaled to the size of the first. Not modified.
   * @param columns tiles per row, at least 1
   * @param scale the integer magnification, in {@code [1, }{@link #MAX_SCALE}{@code ]}
   * @param captions one caption per tile, or {@code null} for none
   * @return the grid image
   * @throws IllegalArgumentException when an argument is out of range, or the grid would have more
   *     than {@link Images#MAX_PIXELS} pixels
   */
  public static BufferedImage render(
      List<BufferedImage> tiles, int columns, int scale, List<String> captions) {
    if (tiles == null || tiles.isEmpty()) {
      throw new IllegalArgumentException("tiles must hold at least one image, but is empty");
    }
    if (columns < 1) {
      throw new IllegalArgumentException("columns must be >= 1, but is: " + columns);
    }
    if (scale < 1) {
      throw new IllegalArgumentException("scale must be >= 1, but is: " + scale);
    }
    if (scale > MAX_SCALE) {
      throw new IllegalArgumentException("scale must be <= " + MAX_SCALE + ", but is: " + scale);
    }
    if (captions != null && captions.size() != tiles.size()) {
      throw new IllegalArgumentException(
          "captions must hold one entry per tile ("
              + tiles.size()
              + "), but holds: "
              + captions.size());
    }
    long tileW = (long) tiles.get(0).getWidth() * scale;
    long tileH = (long) tiles.get(0).getHeight() * scale;
    if (tileW * tileH > Images.MAX_PIXELS) {
      throw new IllegalArgumentException(
          "a tile at scale "
              + scale
              + " would have "
              + tileW * tileH
              + " pixels; at most Images.MAX_PIXELS = "
              + Images.MAX_PIXELS
              + " are drawn");
    }
    int tw = (int) tileW;
    int th = (int) tileH;
    int cols = Math.min(columns, tiles.size());
    int rows = (tiles.size() + cols - 1) / cols;
    int cap = captions == null ? 0 : CAPTION_HEIGHT;
    int cellW = tw + PAD;
    int cellH = th + cap + PAD;
    long pixels = ((long) cols * cellW + PAD) * ((long) rows * cellH + PAD);
    if (pixels > Images.MAX_PIXELS) {
      throw new IllegalArgumentException(
          "the grid of "
              + tiles.size()
              + " tiles at scale "
              + scale
              + " would have "
              + pixels
              + " pixels; at most Images.MAX_PIXELS = "
              + Images.MAX_PIXELS
              + " are drawn");
    }
    BufferedImage out =
        new BufferedImage(cols * cellW + PAD, rows * cellH + PAD, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, out.getWidth(), out.getHeight());
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
      g.setRenderingHint(
          RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      FontMetrics fm = g.getFontMetrics();
      for (int i = 0; i < tiles.size(); i++) {
        int x = PAD + (i % cols) * cellW;
        int y = PAD + (i / cols) * cellH;
        g.drawImage(tiles.get(i), x, y, tw, th, null);
        if (captions != null && captions.get(i) != null) {
          String text = fit(captions.get(i), fm, tw);
          g.setColor(Color.DARK_GRAY);
          g.drawString(text, x + (tw - fm.stringWidth(text)) / 2, y + th + fm.getAscent() + 1);
        }
      }
    } finally {
      g.dispose();
    }
    return out;
  }

  private static String fit(String text, FontMetrics fm, int width) {
    if (fm.stringWidth(text) <= width) {
      return text;
    }
    String t = text;
    while (t.length() > 1 && fm.stringWidth(t + "…") > width) {
      t = t.substring(0, t.length() - 1);
    }
    return t + "…";
  }
}
