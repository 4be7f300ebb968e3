package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which shipped model {@code mnist-sample} runs, and what it writes. */
class MnistSampleTest {

  @TempDir Path dir;

  private Path sample(String name, String... extra) {
    Path out = dir.resolve(name);
    String[] args = {
      "mnist-sample",
      "--model",
      "time",
      "--count",
      "2",
      "--steps",
      "3",
      "--seed",
      "4",
      "--out",
      out.toString()
    };
    String[] all = new String[args.length + extra.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(extra, 0, all, args.length, extra.length);
    assertThat(Main.commandLine().execute(all)).as("exit code").isZero();
    return out;
  }

  private static byte[] pixels(Path png) throws IOException {
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(28);
    assertThat(img.getHeight()).isEqualTo(28);
    byte[] gray = new byte[28 * 28];
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        gray[y * 28 + x] = (byte) (img.getRGB(x, y) & 0xff);
      }
    }
    return gray;
  }

  @Test
  void samplerDefaultsToDdpmAndDpmSolverRuns() throws IOException {
    Path byDefault = sample("default");
    Path ddpm = sample("ddpm", "--sampler", "ddpm");
    Path dpm = sample("dpm", "--sampler", "dpm++");
    Path ddim = sample("ddim", "--sampler", "DDIM");
    for (int i = 0; i < 2; i++) {
      String file = "sample-" + i + ".png";
      assertThat(pixels(byDefault.resolve(file))).isEqualTo(pixels(ddpm.resolve(file)));
      assertThat(pixels(dpm.resolve(file))).isNotEqualTo(pixels(ddpm.resolve(file)));
      assertThat(pixels(ddim.resolve(file))).isNotEqualTo(pixels(dpm.resolve(file)));
    }
  }

  @Test
  void theDefaultTimeModelIsTheRunOnAllTrainingDigits() throws IOException {
    Path byDefault = sample("default");
    Path named = sample("named", "--model-file", Support.shipped(Support.TIME_DEFAULT).toString());
    Path epoch60 = sample("epoch60", "--epoch", "60");
    assertThat(Support.TIME_DEFAULT).isEqualTo("time60k-epoch20");
    for (int i = 0; i < 2; i++) {
      String file = "sample-" + i + ".png";
      assertThat(Files.exists(byDefault.resolve(file))).as(file).isTrue();
      assertThat(pixels(byDefault.resolve(file))).isEqualTo(pixels(named.resolve(file)));
      assertThat(pixels(byDefault.resolve(file))).isNotEqualTo(pixels(epoch60.resolve(file)));
    }
  }
}
