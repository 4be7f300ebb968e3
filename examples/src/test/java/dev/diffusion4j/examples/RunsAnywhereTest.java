package dev.diffusion4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples run from a folder outside the repository, with the models and held-out digits taken
 * from the classpath in the models jar's layout (as {@code java -cp
 * diffusion4j-examples.jar:diffusion4j-core-<version>-models.jar} gives them), each command in a
 * JVM of its own whose working directory is an empty temporary folder.
 */
class RunsAnywhereTest {

  @TempDir Path elsewhere;

  private record Result(int code, String output) {}

  private Result run(String... args) throws Exception {
    String models = System.getProperty("diffusion4j.test.modelsClasspath");
    assertThat(models).as("the build sets diffusion4j.test.modelsClasspath").isNotNull();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path") + File.pathSeparator + models);
    command.add(Main.class.getName());
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(elsewhere.toFile()).redirectErrorStream(true).start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    return new Result(
        p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void theExamplesRunFromAnEmptyFolderWithTheModelsJarOnTheClasspath() throws Exception {
    assertThat(elsewhere.toAbsolutePath().toString()).doesNotContain("testdata");
    assertThat(
            Support.testdata("models/mnist/class-epoch20.onnx")
                .toAbsolutePath()
                .startsWith(elsewhere))
        .isFalse();
    Result sample =
        run("mnist-sample", "--model", "class", "--per-digit", "1", "--steps", "2", "--out", "s");
    assertThat(sample.code()).as(sample.output()).isZero();
    assertThat(elsewhere.resolve("s/digit7-0.png")).isRegularFile();
    // a model that is not shipped in the layout given is named with how to add it
    Result time =
        run("mnist-sample", "--model", "time", "--count", "1", "--steps", "1", "--out", "t");
    assertThat(time.code()).as(time.output()).isEqualTo(2);
    assertThat(time.output())
        .contains("model file time60k-epoch20.onnx not found")
        .contains("diffusion4j-core-<version>-models.jar");
    // the held-out digits come from the same place
    Result noising = run("mnist-noising", "--out", "n");
    assertThat(noising.code()).as(noising.output()).isZero();
    assertThat(elsewhere.resolve("n/noising.png")).isRegularFile();
    Result help = run("--help");
    assertThat(help.output()).contains("Models and data:").contains("-models.jar");
  }

  @Test
  void dataAndModelsOverrideTheShippedOnes() throws Exception {
    Path empty = Files.createDirectories(elsewhere.resolve("empty"));
    Result data = run("mnist-noising", "--data", empty.toString(), "--out", "n");
    assertThat(data.code()).as(data.output()).isEqualTo(2);
    assertThat(data.output())
        .contains(
            "held-out digits file does not exist: " + empty.resolve(ExampleData.HELDOUT_IMAGES))
        .contains("(in --data " + empty + ")");
    Result models =
        run(
            "mnist-sample",
            "--model",
            "class",
            "--per-digit",
            "1",
            "--models",
            empty.toString(),
            "--out",
            "s");
    assertThat(models.code()).as(models.output()).isEqualTo(2);
    assertThat(models.output())
        .contains("model file does not exist: " + empty.resolve("class-epoch20.onnx"));
  }
}
