package dev.diffusion4j.view;

import dev.diffusion4j.image.GaussianBlur;
import dev.diffusion4j.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * One term of a factorized-diffusion decomposition (Geng, Park and Owens 2024): a linear map that
 * takes one component out of a noise estimate, e.g. its low frequencies. A {@link Factorization}
 * conditions each component on its own prompt and sums them (visual_anagrams' {@code
 * reduction="sum"}).
 *
 * <p>Upstream writes these as views whose {@code view} is the identity and whose {@code
 * inverse_view} takes the component of {@code noise[:3]}; here they are their own type, since they
 * are not invertible. Like upstream, a component acts on channels 0-2 only (the noise estimate of a
 * 6-channel IF output; the variance channels pass unchanged), or on every channel when there are
 * fewer than 3.
 *
 * <p>Filters scale with the image: at size {@code s} a kernel of {@code k} px at 64 px becomes
 * {@code round(k * s / 64)} made odd, a sigma {@code sigma * s / 64}. That is upstream's rule at
 * every multiple of 64 ({@code k * (s // 64) + ((s // 64 + 1) % 2)}), and also works at MNIST's 28
 * px, where upstream's {@code s // 64} is 0. Implementations are immutable and thread-safe.
 */
public interface Component {

  /** {@code HybridLowPassView} / {@code HybridHighPassView}'s default sigma at 64 px: {@value}. */
  double HYBRID_SIGMA = 2.0;

  /** {@code HybridLowPassView}'s default kernel size at 64 px: {@value}. */
  int HYBRID_KERNEL_SIZE = 33;

  /** The triple hybrid's default first sigma at 64 px: {@value}. */
  double TRIPLE_SIGMA_1 = 1.0;

  /** The triple hybrid's default second sigma at 64 px: {@value}. */
  double TRIPLE_SIGMA_2 = 2.0;

  /** The triple hybrid's default kernel size at 64 px: {@value}. */
  int TRIPLE_KERNEL_SIZE = 25;

  /** {@code MotionBlurView}'s default kernel size at 64 px: {@value}. */
  int MOTION_SIZE = 7;

  /** {@code ScaleView}'s default factor: {@value}. */
  double SCALE = 0.5;

  /**
   * Takes the component out of a noise estimate.
   *
   * @param x a batch {@code [N, C, H, W]}. Not modified.
   * @return the component, channels 3 and up passed unchanged
   * @throws IllegalArgumentException if the component cannot work on this shape
   */
  Tensor extract(Tensor x);

  /**
   * Returns upstream's name ("low_pass", "grayscale", ...).
   *
   * @return the name
   */
  String name();

  /**
   * Checks, before sampling, that the component works on images of this shape.
   *
   * @param channels the image's channels (3 for IF, 1 for MNIST)
   * @param height the image height
   * @param width the image width
   * @throws IllegalArgumentException naming the component, the shape and what it needs
   */
  void check(int channels, int height, int width);

  /**
   * The low frequencies: {@code HybridLowPassView(sigma, kernel_size)}, a Gaussian blur.
   *
   * @param sigma the blur's sigma at 64 px, > 0
   * @param kernelSize its kernel size at 64 px, odd and positive
   * @return the component
   */
  static Component lowPass(double sigma, int kernelSize) {
    checkBlur(sigma, kernelSize);
    String spec = "low_pass(sigma=" + sigma + ", kernel_size=" + kernelSize + ")";
    return of(
        "low_pass",
        spec,
        1,
        1,
        x -> Blur.apply(blur(x, kernelSize, sigma), x),
        x -> blurCheck(x, spec));
  }

  /**
   * The high frequencies: {@code HybridHighPassView(sigma, kernel_size)}, {@code x - blur(x)}.
   *
   * @param sigma the blur's sigma at 64 px, > 0
   * @param kernelSize its kernel size at 64 px, odd and positive
   * @return the component
   */
  static Component highPass(double sigma, int kernelSize) {
    checkBlur(sigma, kernelSize);
    String spec = "high_pass(sigma=" + sigma + ", kernel_size=" + kernelSize + ")";
    return of(
        "high_pass",
        spec,
        1,
        1,
        x -> x.sub(Blur.apply(blur(x, kernelSize, sigma), x)),
        x -> blurCheck(x, spec));
  }

  /**
   * The low frequencies through a fixed filter, not scaled to the image: {@code blur(x)} with
   * {@link GaussianBlur#lowPass(Tensor)} (float32 separable passes). {@link
   * dev.diffusion4j.Technique#hybrid(dev.diffusion4j.Condition, GaussianBlur)} is built on it.
   *
   * @param blur the filter
   * @return the component
   */
  static Component lowPass(GaussianBlur blur) {
    if (blur == null) {
      throw new IllegalArgumentException("blur must not be null");
    }
    String spec = "low_pass(" + blur + ")";
    return of("low_pass", spec, 1, 1, blur::lowPass, x -> fixedBlurCheck(x, blur, spec));
  }

  /**
   * The high frequencies through a fixed filter: {@code x - blur(x)} with {@link
   * GaussianBlur#highPass(Tensor)}.
   *
   * @param blur the filter
   * @return the component
   */
  static Component highPass(GaussianBlur blur) {
    if (blur == null) {
      throw new IllegalArgumentException("blur must not be null");
    }
    String spec = "high_pass(" + blur + ")";
    return of("high_pass", spec, 1, 1, blur::highPass, x -> fixedBlurCheck(x, blur, spec));
  }

  /**
   * One band of {@code compute_triple_bandpass}: {@code mp = blur(x, sigma_1)}, {@code hp = x -
   * mp}, {@code lp = blur(mp, sigma_2)}, {@code mp = mp - lp}.
   *
   * @param band 0 for low ({@code triple_low_pass}), 1 for medium, 2 for high
   * @param sigma1 the first blur's sigma at 64 px
   * @param sigma2 the second blur's sigma at 64 px
   * @param kernelSize both blurs' kernel size at 64 px
   * @return the component
   */
  static Component tripleBand(int band, double sigma1, double sigma2, int kernelSize) {
    if (band < 0 || band > 2) {
      throw new IllegalArgumentException("band must be 0, 1 or 2, but is: " + band);
    }
    checkBlur(sigma1, kernelSize);
    checkBlur(sigma2, kernelSize);
    String name = new String[] {"triple_low_pass", "triple_medium_pass", "triple_high_pass"}[band];
    String spec =
        name + "(sigma_1=" + sigma1 + ", sigma_2=" + sigma2 + ", kernel_size=" + kernelSize + ")";
    return of(
        name,
        spec,
        1,
        1,
        x -> {
          Tensor mp = Blur.apply(blur(x, kernelSize, sigma1), x);
          if (band == 2) {
            return x.sub(mp);
          }
          Tensor lp = Blur.apply(blur(x, kernelSize, sigma2), mp);
          return band == 0 ? lp : mp.sub(lp);
        },
        x -> blurCheck(x, spec));
  }

  /**
   * The grayscale component: {@code GrayscaleView}, every colour channel replaced by the mean of
   * channels 0-2.
   *
   * @return the component; it needs 3 colour channels
   */
  static Component grayscale() {
    return of("grayscale", "grayscale", 3, 1, Component::gray, x -> {});
  }

  /**
   * The colour component: {@code ColorView}, {@code x - grayscale(x)}.
   *
   * @return the component; it needs 3 colour channels
   */
  static Component color() {
    return of("color", "color", 3, 1, x -> x.sub(gray(x)), x -> {});
  }

  /**
   * Motion blur: {@code MotionBlurView(size)}, the correlation with {@code eye(k) / k} (a diagonal
   * streak, zero padding {@code k // 2}), {@code k} the size scaled to the image.
   *
   * @param size the kernel size at 64 px, >= 1
   * @return the component
   */
  static Component motion(int size) {
    checkMotion(size);
    String spec = "motion(size=" + size + ")";
    return of("motion", spec, 1, 1, x -> motionBlur(x, size), x -> {});
  }

  /**
   * Its residual: {@code MotionBlurResView(size)}, {@code x - motion(x)}.
   *
   * @param size the kernel size at 64 px, >= 1
   * @return the component
   */
  static Component motionRes(int size) {
    checkMotion(size);
    String spec = "motion_res(size=" + size + ")";
    return of("motion_res", spec, 1, 1, x -> x.sub(motionBlur(x, size)), x -> {});
  }

  /**
   * A multiple of the estimate: {@code ScaleView(scale)}. Scales that sum to 1 compose prompts (Liu
   * et al.); with guidance 1, scales {@code (1 - w, w)} on the empty and a real prompt are
   * classifier-free guidance.
   *
   * @param scale the factor, finite
   * @return the component
   */
  static Component scale(double scale) {
    if (!Double.isFinite(scale)) {
      throw new IllegalArgumentException("scale must be finite, but is: " + scale);
    }
    return of("scale", "scale(scale=" + scale + ")", 1, 1, x -> x.mul((float) scale), x -> {});
  }

  /**
   * Returns a component from a function of channels 0-2 (or every channel when fewer).
   *
   * @param name the short name
   * @param spec the name with its arguments, for messages
   * @param minChannels the channels the component needs (1, or 3 for a colour component)
   * @param minSize the smallest image side it works on
   * @param onColor the component of a {@code [N, min(C, 3), H, W]} batch
   * @param sizeCheck checks a {@code [channels, height, width]} shape further (may do nothing)
   * @return the component
   */
  private static Component of(
      String name,
      String spec,
      int minChannels,
      int minSize,
      UnaryOperator<Tensor> onColor,
      java.util.function.Consumer<int[]> sizeCheck) {
    return new Component() {
      @Override
      public Tensor extract(Tensor x) {
        x.requireRank(4, "x");
        check(x.dim(1), x.dim(2), x.dim(3));
        int c = x.dim(1);
        if (c <= 3) {
          return onColor.apply(x);
        }
        return Tensor.concatChannels(onColor.apply(x.channels(0, 3)), x.channels(3, c));
      }

      @Override
      public String name() {
        return name;
      }

      @Override
      public void check(int channels, int height, int width) {
        if (channels < minChannels) {
          throw new IllegalArgumentException(
              spec
                  + " needs "
                  + minChannels
                  + " colour channels, but the image has "
                  + channels
                  + " channel"
                  + (channels == 1 ? "" : "s"));
        }
        if (height < minSize || width < minSize) {
          throw new IllegalArgumentException(
              spec
                  + " needs at least "
                  + minSize
                  + " px, but the image is "
                  + height
                  + "x"
                  + width);
        }
        sizeCheck.accept(new int[] {channels, height, width});
      }

      @Override
      public String toString() {
        return "Component[" + spec + "]";
      }
    };
  }

  private static void checkBlur(double sigma, int kernelSize) {
    if (!(sigma > 0) || Double.isInfinite(sigma)) {
      throw new IllegalArgumentException("sigma must be > 0 and finite, but is: " + sigma);
    }
    if (kernelSize <= 0 || kernelSize % 2 == 0) {
      throw new IllegalArgumentException(
          "kernel_size must be odd and positive, but is: " + kernelSize);
    }
  }

  private static void checkMotion(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1, but is: " + size);
    }
  }

  /** A blur's size at an image side: the check needs it as the component does. */
  private static void blurCheck(int[] shape, String spec) {
    if (shape[1] < 2 || shape[2] < 2) {
      throw new IllegalArgumentException(
          spec + " needs at least 2 px, but the image is " + shape[1] + "x" + shape[2]);
    }
  }

  /** A fixed filter needs its kernel's radius to fit inside the image (reflect padding). */
  private static void fixedBlurCheck(int[] shape, GaussianBlur blur, String spec) {
    int r = blur.kernelSize() / 2;
    if (shape[1] <= r || shape[2] <= r) {
      throw new IllegalArgumentException(
          spec
              + " needs an image larger than its kernel radius "
              + r
              + " px, but the image is "
              + shape[1]
              + "x"
              + shape[2]);
    }
  }

  /**
   * Upstream's scaling of a kernel size to an image side: {@code round(k * s / 64)}, plus one when
   * even, capped so that reflect padding stays inside the image.
   */
  private static int scaledKernel(int kernelSize, int side) {
    int k = (int) Math.round(kernelSize * side / 64.0);
    if (k % 2 == 0) {
      k += 1;
    }
    return Math.max(1, Math.min(k, 2 * side - 1));
  }

  private static GaussianBlur blur(Tensor x, int kernelSize, double sigma) {
    int side = Math.min(x.dim(2), x.dim(3));
    double s = sigma * x.dim(2) / 64.0;
    return new GaussianBlur(
        scaledKernel(kernelSize, side), Math.max(GaussianBlur.MIN_SIGMA, Math.min(s, 1e6)));
  }

  private static Tensor gray(Tensor x) {
    int c = x.dim(1);
    if (c != 3) {
      throw new IllegalArgumentException("x must have 3 colour channels, but has: " + c);
    }
    int n = x.dim(0);
    int hw = x.dim(2) * x.dim(3);
    float[] in = x.data();
    float[] out = new float[in.length];
    for (int b = 0; b < n; b++) {
      int base = b * 3 * hw;
      for (int p = 0; p < hw; p++) {
        float m = (in[base + p] + in[base + hw + p] + in[base + 2 * hw + p]) / 3f;
        out[base + p] = m;
        out[base + hw + p] = m;
        out[base + 2 * hw + p] = m;
      }
    }
    return Tensor.wrap(out, x.shape());
  }

  /** {@code F.conv2d(x, eye(k)[None, None] / k, padding=k // 2)} per channel. */
  private static Tensor motionBlur(Tensor x, int size) {
    int h = x.dim(2);
    int w = x.dim(3);
    int k = scaledKernel(size, Math.min(h, w));
    int r = k / 2;
    float wk = 1f / k;
    int planes = x.dim(0) * x.dim(1);
    float[] in = x.data();
    float[] out = new float[in.length];
    for (int pl = 0; pl < planes; pl++) {
      int base = pl * h * w;
      for (int y = 0; y < h; y++) {
        for (int xx = 0; xx < w; xx++) {
          float s = 0;
          for (int j = 0; j < k; j++) {
            int sy = y - r + j;
            int sx = xx - r + j;
            if (sy >= 0 && sy < h && sx >= 0 && sx < w) {
              s += wk * in[base + sy * w + sx];
            }
          }
          out[base + y * w + xx] = s;
        }
      }
    }
    return Tensor.wrap(out, x.shape());
  }
}
