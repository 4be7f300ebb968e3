package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The example commands reject bad input before any model runs, naming parameter and value. */
class CommandLineTest {

  @TempDir Path dir;

  private String run(String... args) {
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute(args);
    assertThat(code).as("exit code of %s", String.join(" ", args)).isNotZero();
    return err.toString();
  }

  private String out() {
    return dir.resolve("out").toString();
  }

  @Test
  void optionsThatWouldBeIgnoredAreRefused() {
    String o = out();
    assertThat(
            run("mnist-sample", "--model", "class", "--per-digit", "1", "--count", "4", "--out", o))
        .contains("--count is for --model time");
    assertThat(
            run("mnist-sample", "--model", "time", "--count", "4", "--per-digit", "1", "--out", o))
        .contains("--per-digit is for --model class");
    assertThat(
            run("mnist-sample", "--model", "time", "--count", "4", "--guidance", "3", "--out", o))
        .contains("--guidance is for --model class");
    assertThat(
            run(
                "mnist-sample",
                "--model",
                "time",
                "--count",
                "4",
                "--epoch",
                "20",
                "--model-file",
                "x.onnx",
                "--out",
                o))
        .contains("--epoch and --model-file both choose the model; give one of them");
  }

  @Test
  void aMissingModelNamesTheOptionAndTheArtifact() {
    assertThat(run("mnist-sampling", "--models", dir.resolve("empty").toString(), "--out", out()))
        .contains("model file does not exist: " + dir.resolve("empty"))
        .contains("give their folder with --models DIR")
        .contains("dev.diffusion4j:diffusion4j-core with classifier models");
  }

  @Test
  void everyCommandHasTheSameDefaultSeed() {
    CommandLine cmd = Main.commandLine();
    for (String name : cmd.getSubcommands().keySet()) {
      CommandLine.Model.OptionSpec seed =
          cmd.getSubcommands().get(name).getCommandSpec().findOption("--seed");
      if (seed != null) {
        assertThat(seed.defaultValue()).as(name).isEqualTo(Support.DEFAULT_SEED);
      }
    }
  }

  @Test
  void theSamplingCommandsTakeSamplerWithDdpmByDefault() {
    CommandLine cmd = Main.commandLine();
    java.util.Set<String> with = new java.util.TreeSet<>();
    for (String name : cmd.getSubcommands().keySet()) {
      CommandLine.Model.OptionSpec sampler =
          cmd.getSubcommands().get(name).getCommandSpec().findOption("--sampler");
      if (sampler != null) {
        assertThat(sampler.defaultValue()).as(name).isEqualTo("ddpm");
        with.add(name);
      }
    }
    assertThat(with)
        .containsExactlyInAnyOrder(
            "generate",
            "mnist-sample",
            "mnist-sampling",
            "mnist-sdedit",
            "mnist-inpaint",
            "mnist-translate",
            "mnist-anagram",
            "mnist-hybrid",
            "mnist-illusions",
            "mnist-time-samples",
            "mnist-class-samples",
            "mnist-gif",
            "if-upscale");
    for (String name : with) {
      String extra = name.equals("mnist-sample") ? "--model=class" : "--seed=1";
      assertThat(run(name, extra, "--per-digit=1", "--sampler", "euler", "--out", out()))
          .as(name)
          .contains(
              "unknown sampler 'euler'; choose one of: " + dev.diffusion4j.Sampler.cliNames());
      // the help lists the samplers from the same table
      assertThat(cmd.getSubcommands().get(name).getUsageMessage())
          .as(name)
          .contains("one of " + String.join(", ", dev.diffusion4j.Sampler.cliNames()));
    }
    assertThat(Files.exists(dir.resolve("out"))).isFalse();
  }

  @Test
  void badSamplerArgumentsAreNamed() {
    assertThat(run("mnist-sample", "--model", "class", "--per-digit", "0", "--out", out()))
        .contains("per-digit must be in [1, 1000], but is: 0");
    assertThat(run("mnist-sample", "--model", "class", "--per-digit", "2000000", "--out", out()))
        .contains("per-digit must be in [1, 1000], but is: 2000000");
    assertThat(run("mnist-sample", "--model", "time", "--count", "-3", "--out", out()))
        .contains("count must be in [1, 10000], but is: -3");
    assertThat(
            run(
                "mnist-sample",
                "--model",
                "class",
                "--per-digit",
                "2",
                "--guidance",
                "-1",
                "--out",
                out()))
        .contains("guidance must be >= 0, but is: -1.0");
    assertThat(
            run(
                "mnist-sample",
                "--model",
                "class",
                "--per-digit",
                "2",
                "--steps",
                "301",
                "--out",
                out()))
        .contains("steps must be in [1, 300], but is: 301");
    assertThat(
            run(
                "mnist-sample",
                "--model",
                "class",
                "--per-digit",
                "2",
                "--steps",
                "0",
                "--out",
                out()))
        .contains("steps must be in [1, 300], but is: 0");
    assertThat(run("mnist-sample", "--model", "dragon", "--count", "2", "--out", out()))
        .contains("model must be class or time, but is: dragon");
    assertThat(run("mnist-anagram", "--upright", "12", "--out", out()))
        .contains("upright must be a digit in [0, 9], but is: 12");
    assertThat(run("mnist-anagram", "--view", "mirror", "--out", out()))
        .contains(
            "view must be one of "
                + dev.diffusion4j.view.ViewTable.names(dev.diffusion4j.view.ViewTable.Kind.VIEW)
                + ", but is: mirror");
    assertThat(run("mnist-anagram", "--view", "patch_permute:32", "--out", out()))
        .contains("patch_permute(num_patches=32, seed=0) needs at least 32 px")
        .contains("the size is 28");
    assertThat(run("mnist-anagram", "--reduction", "median", "--out", out()))
        .contains("--reduction must be one of [mean, sum, alternate], but is: median");
    assertThat(
            run(
                "mnist-anagram",
                "--reduction",
                "alternate",
                "--weights",
                "0.6,0.4",
                "--out",
                out()))
        .contains("--weights weigh the mean; they cannot be combined with --reduction alternate");
    assertThat(run("mnist-hybrid", "--components", "grayscale", "color", "--out", out()))
        .contains("grayscale needs 3 colour channels, but the image has 1 channel");
    assertThat(
            run(
                "mnist-hybrid",
                "--components",
                "low_pass",
                "high_pass",
                "--high",
                "1",
                "7",
                "--out",
                out()))
        .contains("--high must give one digit per component after the first (1");
    assertThat(run("mnist-hybrid", "--high", "1", "7", "--out", out()))
        .contains("--high takes one digit without --components, but gives 2");
    assertThat(run("mnist-anagram", "--weights", "1", "--out", out()))
        .contains("--weights must be two weights (upright, viewed), but is: [1.0]");
    assertThat(run("mnist-anagram", "--weights", "0.6,-1", "--out", out()))
        .contains("--weights must be finite and >= 0, but is: [0.6, -1.0]");
    assertThat(run("mnist-anagram", "--weights", "1e308,1e308", "--out", out()))
        .contains(
            "--weights must not both be 0 and must have a finite sum, but is: [1.0E308, 1.0E308]");
    assertThat(run("mnist-anagram", "--guidance", "-2", "--out", out()))
        .contains("guidance must be >= 0 and finite, but is: -2.0");
    assertThat(run("mnist-hybrid", "--high", "-1", "--out", out()))
        .contains("high must be a digit in [0, 9], but is: -1");
    assertThat(Files.exists(dir.resolve("out"))).isFalse();
  }

  @Test
  void everyViewAndFactorizationRunsFromTheCommandLineWithItsAnimation() {
    Path a = dir.resolve("anagram");
    assertThat(
            Main.commandLine()
                .execute(
                    "mnist-anagram",
                    "--view",
                    "patch_permute:4",
                    "--count",
                    "1",
                    "--animate",
                    "--reduction",
                    "alternate",
                    "--out",
                    a.toString()))
        .isZero();
    assertThat(a.resolve("anagram-0.png")).exists();
    assertThat(a.resolve("anagram-0.gif")).exists();
    Path h = dir.resolve("hybrid");
    assertThat(
            Main.commandLine()
                .execute(
                    "mnist-hybrid",
                    "--components",
                    "triple_low_pass",
                    "triple_medium_pass",
                    "triple_high_pass",
                    "--high",
                    "7",
                    "1",
                    "--count",
                    "1",
                    "--animate",
                    "--out",
                    h.toString()))
        .isZero();
    assertThat(h.resolve("hybrid-0.png")).exists();
    assertThat(h.resolve("hybrid-0.gif")).exists();
  }

  @Test
  void anOutputFolderThatCannotBeWrittenIsReportedBeforeSampling() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
    String err =
        run(
            "mnist-sample",
            "--model",
            "class",
            "--per-digit",
            "1",
            "--steps",
            "1",
            "--out",
            file.resolve("samples").toString(),
            "--model-file",
            dir.resolve("missing.onnx").toString());
    assertThat(err).contains("out folder cannot be written: " + file.resolve("samples"));
  }

  @Test
  void aClassModelFileGivenAsTheTimeModelIsSaidToBeOne() {
    String classFile = Support.shipped("class-epoch20").toString();
    assertThat(
            run(
                "mnist-sample",
                "--model",
                "time",
                "--count",
                "1",
                "--model-file",
                classFile,
                "--out",
                out()))
        .contains(
            "error: model file "
                + classFile
                + " is a class-conditioned model (it takes a digit label); use --model class, or"
                + " give a time-conditioned file");
    String timeFile = Support.shipped("time-epoch5").toString();
    assertThat(
            run(
                "mnist-sample",
                "--model",
                "class",
                "--per-digit",
                "1",
                "--model-file",
                timeFile,
                "--out",
                out()))
        .contains("is a time-conditioned model (it takes no label); use --model time");
  }

  @Test
  void anEpochThatIsNotShippedIsNamedWithTheShippedOnes() {
    assertThat(
            run("mnist-sample", "--model", "time", "--count", "1", "--epoch", "7", "--out", out()))
        .contains("epoch must name a shipped time checkpoint ([5, 20, 60]), but is: 7");
  }

  @Test
  void aMissingModelFileIsNamed() {
    Path missing = dir.resolve("missing.onnx");
    String err =
        run(
            "mnist-sample",
            "--model",
            "time",
            "--count",
            "1",
            "--steps",
            "1",
            "--out",
            out(),
            "--model-file",
            missing.toString());
    assertThat(err).contains("model file does not exist: " + missing);
  }
}
