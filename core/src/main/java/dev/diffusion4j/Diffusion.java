package dev.diffusion4j;

import dev.diffusion4j.model.Denoiser;
import dev.diffusion4j.model.MnistUNet;
import dev.diffusion4j.model.ModelSource;
import dev.diffusion4j.model.SessionSettings;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;

/**
 * The entry point: owns a denoiser (and the encoder of its conditions) and hands out fluent {@link
 * Pipeline}s that run every technique of the write-up on it.
 *
 * <pre>{@code
 * try (Diffusion diffusion = Diffusion.mnist()) { // the shipped class model, from the models jar
 *   Generation g = diffusion.pipeline().label(7).guidance(5).steps(50).seed(42).samples(4).generate();
 *   g.save(Path.of("sevens"));
 *
 *   // a visual anagram: "6" upright, "9" upside down
 *   Generation a = diffusion.pipeline().label(6).anagram(Condition.label(9), View.ROT180).generate();
 * }
 * }</pre>
 *
 * <p>Thread-safe: pipelines may run on several threads at once, and a seed gives the same image
 * whether runs are sequential or concurrent. {@link #close()} is idempotent and waits for model
 * passes in progress; a run still going, and any use afterwards, throws {@link
 * IllegalStateException}.
 */
public final class Diffusion implements AutoCloseable {

  private final Denoiser denoiser;
  private final Denoiser upscaler;
  private final ConditionEncoder encoder;
  private volatile boolean closed;

  private Diffusion(Denoiser denoiser, Denoiser upscaler, ConditionEncoder encoder) {
    this.denoiser = denoiser;
    this.upscaler = upscaler;
    this.encoder = encoder;
  }

  /**
   * Wraps a denoiser and the encoder of its conditions; the new instance owns both and closes them.
   *
   * @param denoiser the model
   * @param encoder the encoder of its conditions, or {@code null} for an unconditional model
   * @return the instance
   */
  public static Diffusion of(Denoiser denoiser, ConditionEncoder encoder) {
    if (denoiser == null) {
      throw new IllegalArgumentException("denoiser must not be null");
    }
    if (encoder == null && denoiser.conditionShape() != null) {
      throw new IllegalArgumentException(
          "encoder must not be null for a conditional denoiser: " + denoiser);
    }
    return new Diffusion(denoiser, null, encoder);
  }

  /**
   * Opens the shipped class-conditioned MNIST UNet, {@code class-epoch20}, from the classpath
   * ({@link MnistModels#classConditioned()}; {@link MnistModels} opens the others).
   *
   * @return the instance, owned by the caller
   * @throws IllegalStateException naming the dependency to add when the models jar ({@code
   *     diffusion4j-core} with classifier {@code models}) is not on the classpath
   */
  public static Diffusion mnist() {
    return MnistModels.classConditioned();
  }

  /**
   * Opens an MNIST UNet file: the class-conditioned model when the ONNX file has a {@code c} input,
   * the time-conditioned one otherwise.
   *
   * @param model the .onnx file
   * @return the instance
   * @throws IllegalArgumentException naming the file if it is missing, invalid or of another
   *     contract
   */
  public static Diffusion mnist(Path model) {
    return mnist(model, SessionSettings.DEFAULT);
  }

  /**
   * Opens an MNIST UNet file with explicit session settings.
   *
   * @param model the .onnx file
   * @param settings how to open the session
   * @return the instance
   */
  public static Diffusion mnist(Path model, SessionSettings settings) {
    return mnist(ModelSource.of(model), settings);
  }

  /**
   * Opens an MNIST UNet from a URL, for example a model packaged in the application's own jar
   * ({@code MyApp.class.getResource("/unet.onnx")}).
   *
   * @param model where the .onnx file is; read whole now
   * @return the instance
   */
  public static Diffusion mnist(URL model) {
    return mnist(ModelSource.of(model), SessionSettings.DEFAULT);
  }

  /**
   * Opens an MNIST UNet read from a stream, which is read whole and not closed.
   *
   * @param model the bytes of an .onnx file
   * @return the instance
   */
  public static Diffusion mnist(InputStream model) {
    return mnist(ModelSource.of(model, "stream"), SessionSettings.DEFAULT);
  }

  /**
   * Opens an MNIST UNet held in memory.
   *
   * @param model the bytes of an .onnx file; not copied, do not modify them afterwards
   * @return the instance
   */
  public static Diffusion mnist(byte[] model) {
    return mnist(ModelSource.of(model, "bytes"), SessionSettings.DEFAULT);
  }

  /**
   * Opens an MNIST UNet from a file or from bytes with explicit session settings: the
   * class-conditioned model when the graph has a {@code c} input, the time-conditioned one
   * otherwise.
   *
   * @param model the model
   * @param settings how to open the session
   * @return the instance
   * @throws IllegalArgumentException naming the model if it is invalid or of another contract
   */
  public static Diffusion mnist(ModelSource model, SessionSettings settings) {
    MnistUNet unet;
    try {
      unet = MnistUNet.classConditioned(model, settings);
    } catch (IllegalArgumentException classFailure) {
      try {
        unet = MnistUNet.timeConditioned(model, settings);
      } catch (IllegalArgumentException timeFailure) {
        classFailure.addSuppressed(timeFailure);
        throw classFailure;
      }
    }
    return new Diffusion(unet, null, unet.classConditioned() ? ConditionEncoder.digits() : null);
  }

  /**
   * Opens a DeepFloyd IF models folder (the layout {@code onnx-export/if/export_if.py} writes, see
   * README): {@code config.json}, the stage I UNet, optionally the stage II UNet, and a way to
   * encode prompts (precomputed embeddings and/or the T5 encoder with its tokenizer). Where a stage
   * lists several float flavours ({@code export_if.py --dtype fp32,fp16,fp16-cuda}), the sessions
   * take the {@code fp16-cuda} file (float16 arithmetic) when they run on CUDA and the default one
   * otherwise ({@link dev.diffusion4j.model.IFConfig#stageOne(boolean)}).
   *
   * @param dir the models folder
   * @param settings how to open the sessions
   * @return the instance; {@link #pipeline()} runs stage I, {@link #upscaler()} stage II
   * @throws IllegalArgumentException naming the folder and the part that is missing or invalid
   */
  public static Diffusion deepFloyd(Path dir, SessionSettings settings) {
    dev.diffusion4j.model.IFConfig config = dev.diffusion4j.model.IFConfig.read(dir);
    java.util.List<AutoCloseable> opened = new java.util.ArrayList<>();
    try {
      dev.diffusion4j.text.PromptEmbeddings embeddings =
          config.embeddings() == null
              ? null
              : dev.diffusion4j.text.PromptEmbeddings.read(config.embeddings());
      dev.diffusion4j.text.T5Encoder t5 = null;
      if (config.textEncoder() != null) {
        dev.diffusion4j.text.Tokenizers.require("the T5 text encoder of " + dir);
        t5 =
            dev.diffusion4j.text.T5Encoder.open(config.tokenizer(), config.textEncoder(), settings);
        opened.add(t5);
      }
      // the float flavour for the device where the folder holds several (export_if.py --dtype)
      boolean cuda =
          (!config.stageOneFlavours().isEmpty() || !config.stageTwoFlavours().isEmpty())
              && settings.device().runsOnCuda();
      dev.diffusion4j.model.IFUNet one =
          dev.diffusion4j.model.IFUNet.stageOne(
              config.stageOne(cuda), config.stageOneScheduler(), settings);
      opened.add(one);
      dev.diffusion4j.model.IFUNet two =
          config.stageTwo() == null
              ? null
              : dev.diffusion4j.model.IFUNet.stageTwo(
                  config.stageTwo(cuda), config.stageTwoScheduler(), settings);
      if (two != null) {
        opened.add(two);
      }
      int width = one.conditionShape()[1];
      if (embeddings != null && embeddings.width() > 0 && embeddings.width() != width) {
        throw new IllegalArgumentException(
            "IF models folder "
                + dir
                + ": the embeddings in "
                + config.embeddings().getFileName()
                + " are "
                + embeddings.width()
                + " wide, but the stage I UNet takes "
                + width);
      }
      if (two != null && two.conditionShape()[1] != width) {
        throw new IllegalArgumentException(
            "IF models folder "
                + dir
                + ": the stage II UNet takes embeddings "
                + two.conditionShape()[1]
                + " wide, but stage I takes "
                + width);
      }
      return new Diffusion(one, two, new dev.diffusion4j.text.PromptEncoder(embeddings, t5));
    } catch (RuntimeException e) {
      for (AutoCloseable c : opened) {
        try {
          c.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /**
   * Opens a DeepFloyd IF models folder with the default session settings.
   *
   * @param dir the models folder
   * @return the instance
   */
  public static Diffusion deepFloyd(Path dir) {
    return deepFloyd(dir, SessionSettings.DEFAULT);
  }

  /**
   * Starts a pipeline with the defaults of this model.
   *
   * @return a new builder
   * @throws IllegalStateException after {@link #close()}
   */
  public Pipeline pipeline() {
    checkOpen();
    return new Pipeline(this, denoiser);
  }

  /**
   * Starts a pipeline with the settings of a request of the base model (for sweeps over saved
   * settings: {@code diffusion.pipeline(g.request()).seed(2).generate()}).
   *
   * @param request a request of {@link #pipeline()}, possibly of another instance with the same
   *     kind of model
   * @return a new builder holding the request's settings
   * @throws IllegalArgumentException for a request of the upscaler
   * @throws IllegalStateException after {@link #close()}
   */
  public Pipeline pipeline(Request request) {
    if (request == null) {
      throw new IllegalArgumentException("request must not be null");
    }
    if (request.stage() != 1) {
      throw new IllegalArgumentException(
          "request must be one of the base model, but is one of the upscaler: use upscaler(request)");
    }
    return pipeline().copy(request);
  }

  /**
   * Starts a pipeline on the super-resolution stage (IF stage II, 64 to 256): give it the
   * low-resolution images with {@link Upscaler#lowResolution(dev.diffusion4j.tensor.Tensor)}.
   *
   * @return a new builder
   * @throws IllegalStateException if this instance has no upscaler, or after {@link #close()}
   */
  public Upscaler upscaler() {
    checkOpen();
    if (upscaler == null) {
      throw new IllegalStateException("this Diffusion has no upscaler (stage II): " + denoiser);
    }
    return new Upscaler(this, upscaler);
  }

  /**
   * Starts an upscaler with the settings of a request of the upscaler.
   *
   * @param request a request of {@link #upscaler()}
   * @return a new builder holding the request's settings
   * @throws IllegalArgumentException for a request of the base model
   * @throws IllegalStateException if this instance has no upscaler, or after {@link #close()}
   */
  public Upscaler upscaler(Request request) {
    if (request == null) {
      throw new IllegalArgumentException("request must not be null");
    }
    if (request.stage() != 2) {
      throw new IllegalArgumentException(
          "request must be one of the upscaler, but is one of the base model: use pipeline(request)");
    }
    return upscaler().copy(request);
  }

  /**
   * Tells whether there is a super-resolution stage.
   *
   * @return whether {@link #upscaler()} works
   */
  public boolean hasUpscaler() {
    return upscaler != null;
  }

  Denoiser stage(int stage) {
    return stage == 2 ? upscaler : denoiser;
  }

  /**
   * Returns the denoiser.
   *
   * @return the model
   */
  public Denoiser denoiser() {
    return denoiser;
  }

  /**
   * Returns the condition encoder.
   *
   * @return the encoder, or {@code null} for an unconditional model
   */
  public ConditionEncoder encoder() {
    return encoder;
  }

  Generation run(Request request) {
    checkOpen();
    return DenoisingLoop.run(stage(request.stage()), encoder, request);
  }

  dev.diffusion4j.tensor.Tensor denoiseOnce(
      Request request, dev.diffusion4j.tensor.Tensor noisy, int timestep) {
    checkOpen();
    return DenoisingLoop.denoiseOnce(stage(request.stage()), encoder, request, noisy, timestep);
  }

  /**
   * The forward process of the model's schedule: {@code sqrt(abar_t) x0 + sqrt(1 - abar_t) eps}.
   *
   * @param image clean images {@code [N, C, H, W]} of the model's sample shape, in its value range
   *     ({@link dev.diffusion4j.image.ValueRange#requireWithin}). Not modified.
   * @param timestep {@code t}
   * @param noise the source of {@code eps}
   * @return the noised images
   * @throws IllegalArgumentException for an image of another rank or sample shape, or with values
   *     outside the model's range; for a null noise source
   */
  public dev.diffusion4j.tensor.Tensor forward(
      dev.diffusion4j.tensor.Tensor image, int timestep, dev.diffusion4j.noise.NoiseSource noise) {
    checkOpen();
    if (image == null) {
      throw new IllegalArgumentException("image must not be null");
    }
    if (noise == null) {
      throw new IllegalArgumentException("noise must not be null");
    }
    int[] sample = denoiser.sampleShape();
    int[] shape = image.shape();
    if (shape.length != 4
        || shape[1] != sample[0]
        || shape[2] != sample[1]
        || shape[3] != sample[2]) {
      throw new IllegalArgumentException(
          "image must have shape [N, "
              + sample[0]
              + ", "
              + sample[1]
              + ", "
              + sample[2]
              + "] for this model, but has shape: "
              + java.util.Arrays.toString(shape)
              + (shape.length == 2 ? "; add the batch and channel axes: reshape(1, 1, H, W)" : ""));
    }
    denoiser.valueRange().requireWithin(image, "image");
    return denoiser.scheduler().addNoise(image, noise.next(image.shape()), timestep);
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this Diffusion is closed");
    }
  }

  /**
   * Cancels the model passes in progress on any thread: the runs they belong to fail with a {@link
   * DiffusionException} saying so, at the next operator of the model (a model with a huge {@code
   * Loop} included). This is how a caller bounds a run, e.g. from a timer; passes started
   * afterwards run normally, so a cancel that falls between two steps stops nothing (call it
   * again).
   */
  public void cancel() {
    denoiser.cancel();
    if (upscaler != null) {
      upscaler.cancel();
    }
  }

  /** Closes the denoiser and the encoder. Idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      try {
        denoiser.close();
        if (upscaler != null) {
          upscaler.close();
        }
      } finally {
        if (encoder != null) {
          encoder.close();
        }
      }
    }
  }

  @Override
  public String toString() {
    return "Diffusion[" + denoiser + "]";
  }
}
