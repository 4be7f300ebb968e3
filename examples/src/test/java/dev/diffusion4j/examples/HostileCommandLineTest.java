package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Hostile command lines: each is refused with a non-zero exit status and a one-line message naming
 * the option and the value, without a stack trace.
 */
class HostileCommandLineTest {

  @TempDir Path dir;

  private record Run(int code, String err) {}

  private static Run run(String... args) {
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute(args);
    return new Run(code, err.toString());
  }

  private static void refused(Run r, int code, String message) {
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    assertThat(r.err()).contains("error: " + message).doesNotContain("\tat ");
  }

  @Test
  void noSubcommandIsAnError() {
    Run r = run();
    refused(r, 2, "a subcommand is required");
    assertThat(r.err()).contains("Usage: diffusion4j-examples");
  }

  @Test
  void denoiserEvaluationRefusesNegativeAndNaNSigma() {
    refused(
        run("mnist-evaluate-denoiser", "--sigma", "-1"),
        2,
        "sigma must be in [0, 10], but is: -1.0");
    refused(
        run("mnist-evaluate-denoiser", "--sigma", "NaN"),
        2,
        "sigma must be in [0, 10], but is: NaN");
  }

  @Test
  void benchmarksRefuseNegativeSecondsAndThreads() {
    refused(run("bench-blur", "--seconds", "-1"), 2, "seconds must be in (0, 3600], but is: -1.0");
    refused(run("bench-mnist", "--threads", "-4"), 2, "threads must be in [0, 1024], but is: -4");
    refused(run("bench-mnist", "--steps", "0"), 2, "steps must be in [1, 300], but is: 0");
    refused(
        run("bench-if", "--models", "m", "--source", "s", "--stage", "3"),
        2,
        "stage must be 1 or 2, but is: 3");
    refused(
        run("bench-if", "--models", "m", "--source", "s", "--timesteps", "999"),
        2,
        "timesteps must hold at least 2 entries, but are: [999]");
  }

  @Test
  void aMissingPythonIsNamed() {
    Path nope = dir.resolve("no-python");
    refused(
        run("bench-blur", "--seconds", "0.01", "--python", nope.toString()),
        2,
        "python must be an executable file, but is: " + nope + " (does not exist)");
  }

  @Test
  void anEmptyOutFolderIsRefused() {
    refused(
        run("mnist-sample", "--model", "time", "--count", "1", "--steps", "1", "--out", ""),
        2,
        "out must name a folder, but is empty");
  }

  @Test
  void cudaWithoutAGpuIsOneLineNotAStackTrace() {
    Run r =
        run(
            "mnist-sample",
            "--model",
            "time",
            "--count",
            "1",
            "--steps",
            "1",
            "--device",
            "cuda",
            "--out",
            dir.resolve("out").toString());
    Assumptions.assumeFalse(r.code() == 0, "this host has a usable CUDA GPU");
    refused(r, 1, "CUDA device 0 is not usable");
  }
}
