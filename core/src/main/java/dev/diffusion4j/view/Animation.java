package dev.diffusion4j.view;

import dev.diffusion4j.image.AnimatedGif;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.tensor.Tensor;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The transition GIF of an illusion, as visual_anagrams' {@code animate.py} ({@code
 * animate_two_view}) draws it: the image on a white frame 1.5 times its size, the first reading's
 * caption, which fades out; the view applied progressively (eased by {@code easeInOutQuint}); the
 * second reading's caption fading in; held; then the same backwards (the boomerang), the clip
 * starting halfway through the last hold.
 *
 * <p>The view applied progressively is each view's {@code make_frame}: a turn by {@code t} times
 * its angle for the rotations and the flip (upstream draws the flip as a half turn too), the disc
 * alone for {@code inner_circle}, {@code ((2 im - 1) (1 - 2t) + 1) / 2} for {@code negate}; for the
 * other permutations (patches, pixels, jigsaw, square hinge, skew) every pixel slides in a straight
 * line from where it is to where the view puts it. A factorization is shown as its reading changes:
 * a low/high-pass or triple hybrid shrinks to {@code 1 / RESIZE_FACTOR} of its size (seen from
 * afar, {@code make_frame_hybrid}), a grayscale/color one gains its colour ({@code
 * make_frame_color}), a motion one shakes along the diagonal ({@code make_frame_motion}).
 *
 * <pre>{@code
 * Animation.anagram(image, ValueRange.ZERO_TO_ONE, View.ROT180, "6", "9").write(Path.of("69.gif"));
 * }</pre>
 *
 * <p>Small images are enlarged (pixel replication) to about {@value #DISPLAY_SIZE} px first.
 * Immutable; {@link #write(Path)} may be called from several threads.
 */
public final class Animation {

  /** The image's size on the frame, about: {@value} px (upstream's {@code im_size} 256). */
  public static final int DISPLAY_SIZE = 144;

  /** How much a hybrid shrinks at the end of its transition ({@code resize_factor}): {@value}. */
  public static final int RESIZE_FACTOR = 12;

  /**
   * The frames of the transition ({@code transition_duration}, 60 at 30 fps upstream): {@value}.
   */
  public static final int TRANSITION_FRAMES = 20;

  /** The frames of a caption's fade ({@code text_fade_duration}, 10 upstream): {@value}. */
  public static final int FADE_FRAMES = 5;

  /** How long each reading is held, in ms ({@code hold_duration} 120 frames upstream): {@value}. */
  public static final int HOLD_MILLIS = 2000;

  /** How long every other frame shows, in ms: {@value}. */
  public static final int FRAME_MILLIS = 40;

  /** What moves during the transition. */
  private interface Motion {
    /** The image at time {@code t} in [0, 1], drawn on the frame ({@code make_frame}). */
    BufferedImage frame(double t);
  }

  private final List<BufferedImage> frames;
  private final int[] delays;

  private Animation(List<BufferedImage> frames, int[] delays) {
    this.frames = frames;
    this.delays = delays;
  }

  /**
   * The animation of an anagram: the image as it reads upright turning into its reading through
   * {@code view}.
   *
   * @param image one image {@code [1, C, H, W]} or {@code [C, H, W]}, square, C 1 or 3. Not
   *     modified.
   * @param range the image's value range
   * @param view the view
   * @param upright the caption of the upright reading
   * @param viewed the caption of the reading through the view
   * @return the animation
   * @throws IllegalArgumentException for an image that is not one square image
   */
  public static Animation anagram(
      Tensor image, ValueRange range, View view, String upright, String viewed) {
    if (view == null) {
      throw new IllegalArgumentException("view must not be null");
    }
    Canvas c = new Canvas(image, range);
    return clip(c, viewMotion(c, view), upright, viewed);
  }

  /**
   * The animation of a factorized illusion: the reading of {@code captions[0]} (component 0, e.g.
   * the low frequencies seen from afar, or the grayscale) and that of the last component (seen up
   * close, or in colour).
   *
   * @param image one image {@code [1, C, H, W]} or {@code [C, H, W]}, square. Not modified.
   * @param range the image's value range
   * @param factorization the decomposition the image was made with
   * @param first the caption of component 0's reading
   * @param last the caption of the last component's reading
   * @return the animation
   * @throws IllegalArgumentException for an image that is not one square image
   */
  public static Animation hybrid(
      Tensor image, ValueRange range, Factorization factorization, String first, String last) {
    if (factorization == null) {
      throw new IllegalArgumentException("factorization must not be null");
    }
    Canvas c = new Canvas(image, range);
    String name = factorization.components().get(0).name();
    return switch (name) {
      // make_frame_color: gray + t * color; t = 0 reads as the grayscale's condition
      case "grayscale", "color" -> clip(c, c::colour, first, last);
      // make_frame_motion: the still image reads as the residual, the shaking one as the blur
      case "motion", "motion_res" -> clip(c, c::shake, last, first);
      // make_frame_hybrid: up close the high frequencies, from afar the low ones
      default -> clip(c, c::shrink, last, first);
    };
  }

  /**
   * Plays several animations one after the other (an anagram of several views: one clip per view).
   *
   * @param clips at least one animation
   * @return the animation
   * @throws IllegalArgumentException for none, or clips of different frame sizes
   */
  public static Animation concat(List<Animation> clips) {
    if (clips == null || clips.isEmpty()) {
      throw new IllegalArgumentException("clips must hold at least one animation");
    }
    if (clips.size() == 1) {
      return clips.get(0);
    }
    List<BufferedImage> all = new ArrayList<>();
    int n = 0;
    for (Animation a : clips) {
      all.addAll(a.frames);
      n += a.delays.length;
    }
    int[] delays = new int[n];
    int at = 0;
    for (Animation a : clips) {
      System.arraycopy(a.delays, 0, delays, at, a.delays.length);
      at += a.delays.length;
    }
    return new Animation(List.copyOf(all), delays);
  }

  /**
   * Returns the frames, in order.
   *
   * @return an unmodifiable list
   */
  public List<BufferedImage> frames() {
    return frames;
  }

  /**
   * Returns how long each frame shows.
   *
   * @return the delays in ms, one per frame (a copy)
   */
  public int[] delaysMillis() {
    return delays.clone();
  }

  /**
   * Writes the looping GIF.
   *
   * @param gif the .gif file; parent folders are created
   * @throws java.io.UncheckedIOException if it cannot be written
   */
  public void write(Path gif) {
    AnimatedGif.write(frames, delays, gif);
  }

  // ------------------------------------------------------------------ animate_two_view

  private static Animation clip(Canvas c, Motion motion, String first, String second) {
    List<BufferedImage> out = new ArrayList<>();
    List<Integer> ms = new ArrayList<>();
    BufferedImage frame1 = motion.frame(0);
    BufferedImage frame2 = motion.frame(1);
    // hold frame 1 with its caption, fade the caption out
    out.add(c.caption(frame1, first, 0));
    ms.add(HOLD_MILLIS / 2);
    for (int i = 0; i < FADE_FRAMES; i++) {
      out.add(c.caption(frame1, first, (double) i / (FADE_FRAMES - 1)));
      ms.add(FRAME_MILLIS);
    }
    // transition view 1 -> view 2
    for (int i = 0; i < TRANSITION_FRAMES; i++) {
      out.add(motion.frame(easeInOutQuint((double) i / (TRANSITION_FRAMES - 1))));
      ms.add(FRAME_MILLIS);
    }
    // fade caption 2 in, hold
    for (int i = 0; i < FADE_FRAMES; i++) {
      out.add(c.caption(frame2, second, 1 - (double) i / (FADE_FRAMES - 1)));
      ms.add(FRAME_MILLIS);
    }
    out.add(c.caption(frame2, second, 0));
    ms.add(HOLD_MILLIS / 2);
    // boomerang back to view 1, then start halfway through the last hold (upstream moves the last
    // hold_duration / 2 frames to the front)
    List<BufferedImage> back = new ArrayList<>(out);
    List<Integer> backMs = new ArrayList<>(ms);
    Collections.reverse(back);
    Collections.reverse(backMs);
    out.addAll(back);
    ms.addAll(backMs);
    BufferedImage last = out.remove(out.size() - 1);
    out.add(0, last);
    ms.add(0, ms.remove(ms.size() - 1));
    int[] delays = new int[ms.size()];
    for (int i = 0; i < delays.length; i++) {
      delays[i] = ms.get(i);
    }
    return new Animation(List.copyOf(out), delays);
  }

  /** Matthew Tancik's {@code easeInOutQuint}, as animate.py has it. */
  static double easeInOutQuint(double x) {
    return x < 0.5 ? 4 * x * x * x : 1 - Math.pow(-2 * x + 2, 3) / 2;
  }

  private static Motion viewMotion(Canvas c, View view) {
    String name = view.name();
    return switch (name) {
      case "identity" -> t -> c.turned(0, false);
      case "flip", "rot180", "rotate_180" -> t -> c.turned(-180 * t, false);
      case "rot270", "rotate_cw" -> t -> c.turned(-90 * t, false);
      case "rot90", "rotate_ccw" -> t -> c.turned(90 * t, false);
      case "inner_circle" -> t -> c.turned(-180 * t, true);
      case "negate" -> c::negated;
      default -> {
        if (view instanceof PermutationView p) {
          int[] map = p.map(c.size);
          yield t -> c.slid(map, t);
        }
        // a view of the user's own: cut from the image to its view
        Tensor seen = view.apply(c.image);
        Canvas after = new Canvas(seen, ValueRange.ZERO_TO_ONE);
        yield t -> t < 0.5 ? c.turned(0, false) : after.turned(0, false);
      }
    };
  }

  /** The image in [0, 1], RGB, with its enlargement and the frame's geometry. */
  private static final class Canvas {
    final Tensor image; // [1, 3, size, size] in [0, 1]
    final int size; // the image's own side
    final int scale; // pixel replication
    final int display; // size * scale
    final int frame; // 1.5 * display
    final int offset; // (frame - display) / 2
    final float[] rgb;

    Canvas(Tensor x, ValueRange range) {
      if (x == null) {
        throw new IllegalArgumentException("image must not be null");
      }
      Tensor t = x.rank() == 3 ? x.reshape(1, x.dim(0), x.dim(1), x.dim(2)) : x;
      if (t.rank() != 4 || t.dim(0) != 1 || t.dim(2) != t.dim(3)) {
        throw new IllegalArgumentException(
            "image must be one square image [1, C, H, H] or [C, H, H], but has shape: "
                + java.util.Arrays.toString(x.shape()));
      }
      int ch = t.dim(1);
      if (ch != 1 && ch != 3) {
        throw new IllegalArgumentException(
            "image must have 1 or 3 channels, but has: " + java.util.Arrays.toString(x.shape()));
      }
      this.size = t.dim(2);
      int hw = size * size;
      float[] in = t.data();
      float[] out = new float[3 * hw];
      for (int c = 0; c < 3; c++) {
        int src = (ch == 1 ? 0 : c) * hw;
        for (int p = 0; p < hw; p++) {
          float v = in[src + p];
          v = range == ValueRange.ZERO_TO_ONE ? v : (v + 1) / 2;
          out[c * hw + p] = Math.max(0f, Math.min(1f, v));
        }
      }
      this.rgb = out;
      this.image = Tensor.wrap(out.clone(), 1, 3, size, size);
      this.scale = Math.max(1, Math.round((float) DISPLAY_SIZE / size));
      this.display = size * scale;
      this.frame = display * 3 / 2;
      this.offset = (frame - display) / 2;
    }

    BufferedImage blank() {
      BufferedImage img = new BufferedImage(frame, frame, BufferedImage.TYPE_INT_RGB);
      int[] white = new int[frame * frame];
      java.util.Arrays.fill(white, 0xFFFFFF);
      img.setRGB(0, 0, frame, frame, white, 0, frame);
      return img;
    }

    int pixel(float[] src, int p, int hw) {
      int r = Math.round(src[p] * 255);
      int g = Math.round(src[hw + p] * 255);
      int b = Math.round(src[2 * hw + p] * 255);
      return (r << 16) | (g << 8) | b;
    }

    /** Draws an image of {@code size} px, enlarged, at the frame's centre shifted by (dy, dx). */
    BufferedImage paste(float[] src, int dy, int dx) {
      BufferedImage img = blank();
      int hw = size * size;
      for (int y = 0; y < display; y++) {
        int fy = offset + dy + y;
        if (fy < 0 || fy >= frame) {
          continue;
        }
        for (int x = 0; x < display; x++) {
          int fx = offset + dx + x;
          if (fx >= 0 && fx < frame) {
            img.setRGB(fx, fy, pixel(src, (y / scale) * size + x / scale, hw));
          }
        }
      }
      return img;
    }

    /**
     * The framed image turned by {@code degrees} counter-clockwise about the frame's centre (PIL's
     * {@code rotate}, bilinear, white outside); with {@code discOnly} only the pixels of the
     * centred disc of radius {@code 3/8} of the image turn ({@code InnerCircleView}).
     */
    BufferedImage turned(double degrees, boolean discOnly) {
      BufferedImage flat = paste(rgb, 0, 0);
      if (degrees == 0) {
        return flat;
      }
      BufferedImage out = blank();
      double a = Math.toRadians(degrees);
      double cos = Math.cos(a);
      double sin = Math.sin(a);
      double centre = frame / 2.0;
      double radius = display * 3 / 8.0;
      for (int y = 0; y < frame; y++) {
        for (int x = 0; x < frame; x++) {
          double u = x + 0.5 - centre;
          double v = y + 0.5 - centre;
          if (discOnly && u * u + v * v >= radius * radius) {
            out.setRGB(x, y, flat.getRGB(x, y));
            continue;
          }
          // the source of a point turned counter-clockwise by a (y pointing down)
          double su = cos * u - sin * v + centre - 0.5;
          double sv = sin * u + cos * v + centre - 0.5;
          out.setRGB(x, y, bilinear(flat, su, sv));
        }
      }
      return out;
    }

    int bilinear(BufferedImage img, double x, double y) {
      int x0 = (int) Math.floor(x);
      int y0 = (int) Math.floor(y);
      double fx = x - x0;
      double fy = y - y0;
      double[] acc = new double[3];
      for (int j = 0; j < 2; j++) {
        for (int i = 0; i < 2; i++) {
          double w = (i == 0 ? 1 - fx : fx) * (j == 0 ? 1 - fy : fy);
          int xx = x0 + i;
          int yy = y0 + j;
          int c = xx < 0 || yy < 0 || xx >= frame || yy >= frame ? 0xFFFFFF : img.getRGB(xx, yy);
          acc[0] += w * ((c >> 16) & 255);
          acc[1] += w * ((c >> 8) & 255);
          acc[2] += w * (c & 255);
        }
      }
      return ((int) Math.round(acc[0]) << 16)
          | ((int) Math.round(acc[1]) << 8)
          | (int) Math.round(acc[2]);
    }

    /** NegateView.make_frame: {@code ((2 im - 1) (1 - 2t) + 1) / 2}. */
    BufferedImage negated(double t) {
      float k = (float) (1 - 2 * t);
      float[] out = new float[rgb.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = ((2 * rgb[i] - 1) * k + 1) / 2;
      }
      return paste(out, 0, 0);
    }

    /**
     * A permutation applied progressively: pixel {@code map[q]} slides from its place to {@code q},
     * drawn as an enlarged square.
     */
    BufferedImage slid(int[] map, double t) {
      if (t == 0) {
        return paste(rgb, 0, 0);
      }
      BufferedImage img = blank();
      int hw = size * size;
      for (int q = 0; q < hw; q++) {
        int p = map[q];
        double y = (p / size) * (1 - t) + (q / size) * t;
        double x = (p % size) * (1 - t) + (q % size) * t;
        int top = offset + (int) Math.round(y * scale);
        int left = offset + (int) Math.round(x * scale);
        int c = pixel(rgb, p, hw);
        for (int dy = 0; dy < scale; dy++) {
          for (int dx = 0; dx < scale; dx++) {
            int fy = top + dy;
            int fx = left + dx;
            if (fy >= 0 && fy < frame && fx >= 0 && fx < frame) {
              img.setRGB(fx, fy, c);
            }
          }
        }
      }
      return img;
    }

    /** make_frame_hybrid: the image shrunk to {@code 1 / (1 + (RESIZE_FACTOR - 1) t)}. */
    BufferedImage shrink(double t) {
      BufferedImage flat = paste(rgb, 0, 0);
      int side = Math.max(1, (int) (display / (1 + (RESIZE_FACTOR - 1) * t)));
      if (side == display) {
        return flat;
      }
      BufferedImage out = blank();
      Graphics2D g = out.createGraphics();
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      int at = (frame - side) / 2;
      g.drawImage(
          flat,
          at,
          at,
          at + side,
          at + side,
          offset,
          offset,
          offset + display,
          offset + display,
          null);
      g.dispose();
      return out;
    }

    /** make_frame_color: {@code grey + t * (im - grey)}. */
    BufferedImage colour(double t) {
      int hw = size * size;
      float[] out = new float[rgb.length];
      for (int p = 0; p < hw; p++) {
        float grey = (rgb[p] + rgb[hw + p] + rgb[2 * hw + p]) / 3f;
        for (int c = 0; c < 3; c++) {
          out[c * hw + p] = grey + (float) t * (rgb[c * hw + p] - grey);
        }
      }
      return paste(out, 0, 0);
    }

    /** make_frame_motion: a triangular wave along the diagonal, 20 periods over the transition. */
    BufferedImage shake(double t) {
      double amp = 29 * (display / 64.0 / 4.0) / 2;
      int off = (int) (amp * 2 / Math.PI * Math.asin(Math.sin(2 * Math.PI * 20 * t)));
      return paste(rgb, off, off);
    }

    /**
     * draw_text: the caption centred, between the image's bottom and the frame's, in grey {@code
     * fade} (0 black, 1 white).
     */
    BufferedImage caption(BufferedImage img, String text, double fade) {
      BufferedImage out = new BufferedImage(frame, frame, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = out.createGraphics();
      g.drawImage(img, 0, 0, null);
      if (text != null && !text.isEmpty()) {
        g.setRenderingHint(
            RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, Math.max(8, 16 * frame / 384)));
        int c = (int) Math.round(255 * Math.max(0, Math.min(1, fade)));
        g.setColor(new Color(c, c, c));
        FontMetrics m = g.getFontMetrics();
        int w = m.stringWidth(text);
        int top = (int) (0.75 * frame + 0.25 * display - 0.5 * m.getHeight());
        g.drawString(text, (frame - w) / 2, top + m.getAscent());
      }
      g.dispose();
      return out;
    }
  }
}
