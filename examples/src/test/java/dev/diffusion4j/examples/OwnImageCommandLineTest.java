package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Variant;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.schedule.Timesteps;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * mnist-sdedit, mnist-translate and mnist-inpaint on the user's own drawing ({@code --image} on
 * MNIST): the file the command writes is the library's run on the same image and settings, pixel
 * for pixel, and a bad image is refused with one line.
 */
class OwnImageCommandLineTest {

  @TempDir Path dir;

  private record Run(int code, String err) {}

  private static Run run(String... args) {
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    return new Run(cmd.execute(args), err.toString());
  }

  /** A "3" drawn in strokes, 200x200: white on black, or black on white. */
  private Path drawing(String name, boolean darkOnWhite) throws Exception {
    BufferedImage img = new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(darkOnWhite ? Color.WHITE : Color.BLACK);
    g.fillRect(0, 0, 200, 200);
    g.setColor(darkOnWhite ? Color.BLACK : Color.WHITE);
    g.setStroke(new BasicStroke(22, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    g.drawArc(50, 25, 100, 75, -90, 270);
    g.drawArc(50, 100, 100, 75, -180, 270);
    g.dispose();
    Path file = dir.resolve(name);
    Images.write(img, file);
    return file;
  }

  private static int[] pixels(Path png) {
    BufferedImage img = Images.read(png);
    return img.getRaster().getPixels(0, 0, img.getWidth(), img.getHeight(), (int[]) null);
  }

  private static int[] pixels(BufferedImage img) {
    return img.getRaster().getPixels(0, 0, img.getWidth(), img.getHeight(), (int[]) null);
  }

  /** The library's run with the settings the MNIST study gives the command. */
  private static dev.diffusion4j.Pipeline study(Diffusion d, int label) {
    return d.pipeline()
        .timesteps(Timesteps.strided(300, 10))
        .variant(Variant.STUDY)
        .label(label)
        .guidance(5)
        .seed(Support.SEED);
  }

  private static Diffusion mnist() {
    return Diffusion.mnist(
        ExampleData.model(null, "class-epoch20"), SessionSettings.on(Device.cpu()));
  }

  @Test
  void sdeditOfYourOwnDrawingIsTheLibrarysRun() throws Exception {
    Path three = drawing("three.png", false);
    Path out = dir.resolve("sdedit");
    Run r =
        run(
            "mnist-sdedit",
            "--image",
            three.toString(),
            "--label",
            "3",
            "--strength",
            "0.6",
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    Path atStart = dir.resolve("start");
    Run s =
        run(
            "mnist-sdedit",
            "--image",
            three.toString(),
            "--label",
            "3",
            "--start",
            "12",
            "--out",
            atStart.toString());
    assertThat(s.code()).as(s.err()).isZero();
    try (Diffusion d = mnist()) {
      BufferedImage expected = study(d, 3).image(three, false).strength(0.6).generate().image(0);
      assertThat(pixels(out.resolve("sdedit-0.png"))).containsExactly(pixels(expected));
      dev.diffusion4j.tensor.Tensor converted =
          Images.forModel(
              Images.read(three), 1, 28, 28, dev.diffusion4j.image.ValueRange.ZERO_TO_ONE, false);
      BufferedImage fromStart = study(d, 3).image(converted, 12).generate().image(0);
      assertThat(pixels(atStart.resolve("sdedit-0.png"))).containsExactly(pixels(fromStart));
      // strength 0.6 of the 30 steps runs the last int(30 * 0.6) = 18: it starts at index 12
      assertThat(pixels(fromStart)).containsExactly(pixels(expected));
    }
  }

  @Test
  void darkStrokesOnWhiteAreRefusedUnlessInverted() throws Exception {
    Path drawn = drawing("dark.png", true);
    Path out = dir.resolve("translate");
    Run refused =
        run(
            "mnist-translate",
            "--image",
            drawn.toString(),
            "--label",
            "8",
            "--out",
            out.toString());
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err())
        .contains("error: --image must show light strokes on a dark background")
        .contains("invert")
        .doesNotContain("\tat ");
    Run inverted =
        run(
            "mnist-translate",
            "--image",
            drawn.toString(),
            "--invert",
            "--label",
            "8",
            "--out",
            out.toString());
    assertThat(inverted.code()).as(inverted.err()).isZero();
    Run light =
        run(
            "mnist-translate",
            "--image",
            drawing("light.png", false).toString(),
            "--label",
            "8",
            "--out",
            dir.resolve("light").toString());
    assertThat(light.code()).as(light.err()).isZero();
    // inverting black-on-white gives the white-on-black drawing: the same translation
    assertThat(pixels(out.resolve("translate-0.png")))
        .containsExactly(pixels(dir.resolve("light").resolve("translate-0.png")));
  }

  @Test
  void inpaintingYourOwnDrawingWithAPaintedMaskIsTheLibrarysRun() throws Exception {
    Path three = drawing("three.png", false);
    BufferedImage paint = new BufferedImage(100, 100, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = paint.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 50, 100, 50); // regenerate the lower half
    g.dispose();
    Path mask = dir.resolve("mask.png");
    Images.write(paint, mask);
    Path out = dir.resolve("inpaint");
    Run r =
        run(
            "mnist-inpaint",
            "--image",
            three.toString(),
            "--mask",
            mask.toString(),
            "--label",
            "5",
            "--out",
            out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    try (Diffusion d = mnist()) {
      BufferedImage expected =
          study(d, 5)
              .image(three, false)
              .mask(dev.diffusion4j.image.Mask.fromImage(paint, 28, 28))
              .generate()
              .image(0);
      assertThat(pixels(out.resolve("inpaint-0.png"))).containsExactly(pixels(expected));
    }
  }

  @Test
  void aFileThatIsNotAnImageOrNoLabelIsOneErrorLine() throws Exception {
    Path text = dir.resolve("not-an-image.png");
    Files.writeString(text, "hello");
    Run r =
        run(
            "mnist-sdedit",
            "--image",
            text.toString(),
            "--label",
            "3",
            "--out",
            dir.resolve("o").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: ").contains("not-an-image.png");
    assertThat(r.err().lines().count()).isEqualTo(1);
    Run noLabel =
        run("mnist-sdedit", "--image", text.toString(), "--out", dir.resolve("o").toString());
    assertThat(noLabel.code()).isEqualTo(2);
    assertThat(noLabel.err()).contains("error: --label is required with --image on MNIST");
    Run both =
        run(
            "mnist-sdedit",
            "--image",
            drawing("d.png", false).toString(),
            "--label",
            "3",
            "--start",
            "3",
            "--strength",
            "0.5",
            "--out",
            dir.resolve("o").toString());
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("error: --strength and --start both set");
  }
}
