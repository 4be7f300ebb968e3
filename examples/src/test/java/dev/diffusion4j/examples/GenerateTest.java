package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Generation;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.schedule.Timesteps;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code generate} on the tiny real-architecture IF models, and its errors. */
class GenerateTest {

  static final Path MODELS = Support.testdata("models/tiny-if-diffusers");

  static final SessionSettings CPU = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);

  @TempDir Path dir;

  private record Result(int code, String err) {}

  /** Runs a command, with what it prints on picocli's and on the JVM's standard error. */
  private Result run(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8));
    try {
      CommandLine cmd = Main.commandLine();
      StringWriter err = new StringWriter();
      cmd.setErr(new PrintWriter(err, true));
      int code = cmd.execute(args);
      cmd.getSubcommands().get("generate").getErr().flush();
      return new Result(code, err + progress.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
  }

  private static void assertSamePixels(Path png, BufferedImage expected) throws IOException {
    BufferedImage actual = ImageIO.read(png.toFile());
    assertThat(actual.getWidth()).isEqualTo(expected.getWidth());
    assertThat(actual.getHeight()).isEqualTo(expected.getHeight());
    for (int y = 0; y < actual.getHeight(); y++) {
      for (int x = 0; x < actual.getWidth(); x++) {
        assertThat(actual.getRGB(x, y))
            .as("%s at (%d, %d)", png, x, y)
            .isEqualTo(expected.getRGB(x, y));
      }
    }
  }

  @Test
  void writesWhatTheLibraryMakesWithTheSameSettings() throws IOException {
    Path out = dir.resolve("out");
    Result r =
        run(
            "generate",
            "--models",
            MODELS.toString(),
            "--prompt",
            "a photo of a dog",
            "--negative-prompt",
            "a man wearing a hat",
            "--guidance",
            "5",
            "--timesteps",
            "990,495,0",
            "--seed",
            "3",
            "--samples",
            "2",
            "--upscale",
            "--upscale-steps",
            "1",
            "--threads",
            "1",
            "--device",
            "cpu",
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("stage I: ").contains("stage II: ");
    try (Diffusion d = Diffusion.deepFloyd(MODELS, CPU)) {
      Generation small =
          d.pipeline()
              .prompt("a photo of a dog")
              .negativePrompt("a man wearing a hat")
              .guidance(5)
              .timesteps(Timesteps.of(990, 495, 0))
              .seed(3)
              .samples(2)
              .generate();
      Generation big =
          d.upscaler()
              .prompt("a photo of a dog")
              .negativePrompt("a man wearing a hat")
              .seed(3)
              .steps(1)
              .lowResolution(small.images())
              .generate();
      for (int i = 0; i < 2; i++) {
        assertSamePixels(out.resolve("sample-" + i + ".png"), small.image(i));
        assertSamePixels(out.resolve("upscaled-" + i + ".png"), big.image(i));
      }
      assertThat(small.image(0).getWidth()).isEqualTo(64);
      assertThat(big.image(0).getWidth()).isEqualTo(256);
    }
  }

  @Test
  void samplerAndStepsReachThePipeline() throws IOException {
    Path out = dir.resolve("ddim");
    Result r =
        run(
            "generate",
            "--models",
            MODELS.toString(),
            "--prompt",
            "a lithograph of a skull",
            "--sampler",
            "ddim",
            "--steps",
            "4",
            "--threads",
            "1",
            "--device",
            "cpu",
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    try (Diffusion d = Diffusion.deepFloyd(MODELS, CPU)) {
      Generation g =
          d.pipeline()
              .prompt("a lithograph of a skull")
              .sampler(dev.diffusion4j.Sampler.DDIM)
              .steps(4)
              .seed(Support.SEED)
              .generate();
      assertSamePixels(out.resolve("sample-0.png"), g.image(0));
    }
  }

  @Test
  void errorsNameTheOptionAndTheValue() {
    String m = MODELS.toString();
    String o = dir.resolve("e").toString();
    Result unknown = run("generate", "--models", m, "--prompt", "a cat", "--out", o);
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("error: ").contains("a cat").contains("a photo of a dog");
    Result negative =
        run(
            "generate",
            "--models",
            m,
            "--prompt",
            "a photo of a dog",
            "--negative-prompt",
            "a cat",
            "--out",
            o);
    assertThat(negative.code()).isEqualTo(2);
    assertThat(negative.err()).contains("a cat");
    Result both =
        run(
            "generate",
            "--models",
            m,
            "--prompt",
            "a photo of a dog",
            "--steps",
            "3",
            "--timesteps",
            "fast27",
            "--out",
            o);
    assertThat(both.err())
        .contains("error: --steps and --timesteps both choose the timesteps; give one of them");
    Result preset =
        run(
            "generate",
            "--models",
            m,
            "--prompt",
            "a photo of a dog",
            "--timesteps",
            "fast28",
            "--out",
            o);
    assertThat(preset.code()).isEqualTo(2);
    assertThat(preset.err())
        .contains("unknown timesteps preset 'fast28'; expected one of [fast27, smart27,");
    Result upscaleSteps =
        run(
            "generate",
            "--models",
            m,
            "--prompt",
            "a photo of a dog",
            "--upscale-steps",
            "3",
            "--out",
            o);
    assertThat(upscaleSteps.err())
        .contains("error: --upscale-steps is for --upscale, which is not given");
    Result list =
        run(
            "generate",
            "--models",
            m,
            "--prompt",
            "a photo of a dog",
            "--timesteps",
            "990,x",
            "--out",
            o);
    assertThat(list.err()).contains("a comma-separated list of integers, but is: '990,x'");
    Result ddimList =
        run(
            "generate",
            "--models",
            m,
            "--prompt",
            "a photo of a dog",
            "--sampler",
            "ddim",
            "--timesteps",
            "smart27",
            "--out",
            o);
    assertThat(ddimList.code()).isEqualTo(2);
    assertThat(ddimList.err()).contains("timesteps(..) cannot be combined with sampler ddim");
    Result folder =
        run("generate", "--models", dir.resolve("nowhere").toString(), "--prompt", "x", "--out", o);
    assertThat(folder.err())
        .contains("models must be an IF models folder, but ")
        .contains("does not exist");
    Result mnist =
        run(
            "generate",
            "--models",
            Support.testdata("models/mnist").toString(),
            "--prompt",
            "x",
            "--out",
            o);
    assertThat(mnist.code()).isEqualTo(2);
    assertThat(mnist.err()).contains("error: ").contains("config.json");
  }
}
