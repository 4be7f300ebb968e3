package dev.diffusion4j.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.testing.ForkedJvm;
import dev.diffusion4j.testing.HostileChild;
import dev.diffusion4j.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The T5 encoder under hostile use: many distinct prompts, and close() racing with encoding. */
class HostileT5Test {

  private static final Path DIR = TestData.path("models/tiny-if");

  @Test
  void thePromptCacheIsBounded() {
    try (T5Encoder t5 =
        T5Encoder.open(
            DIR.resolve("tokenizer.json"),
            DIR.resolve("text_encoder.onnx"),
            SessionSettings.on(Device.cpu()))) {
      for (int i = 0; i < T5Encoder.CACHE_SIZE + 10; i++) {
        t5.encode("prompt " + i);
      }
      assertThat(t5.cachedPrompts()).isEqualTo(T5Encoder.CACHE_SIZE);
      t5.close();
      assertThatThrownBy(() -> t5.encode("prompt 1"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("this T5 encoder is closed");
      assertThatThrownBy(() -> t5.tokenize("prompt 1"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("this T5 encoder is closed");
    }
  }

  /** In a child JVM: a regression crashes the child with SIGSEGV, not the build. */
  @Test
  void closeWaitsForEncodingsOnOtherThreads() {
    ForkedJvm.Result r =
        ForkedJvm.run(
            HostileChild.class, List.of("-Xmx256m"), 120, "close-while-encoding", DIR.toString());
    assertThat(r.exitCode()).as(r.output()).isZero();
    assertThat(r.output()).as(r.output()).contains("ACCEPTED").contains("calls ");
  }

  /**
   * 5,000 runs (a new prompt through T5, and a UNet pass each) in a child JVM with a pinned heap:
   * the resident set grows by less than 5% after warm-up, so neither the prompt cache nor a native
   * value leaks.
   */
  @Test
  void fiveThousandRunsDoNotGrowTheResidentSet() {
    ForkedJvm.Result r =
        ForkedJvm.run(
            HostileChild.class,
            List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-XX:+UseSerialGC"),
            300,
            "rss",
            DIR.toString(),
            "5000");
    assertThat(r.exitCode()).as(r.output()).isZero();
    String line =
        r.output()
            .lines()
            .filter(l -> l.startsWith("RSS "))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no RSS line in: " + r.output()));
    String[] parts = line.split(" ");
    long warm = Long.parseLong(parts[1]);
    long end = Long.parseLong(parts[2]);
    System.out.println("RSS after 500 runs " + warm + " KiB, after 5000 runs " + end + " KiB");
    assertThat((double) end / warm).as(line).isLessThan(1.05);
    assertThat(parts[4]).isEqualTo(Integer.toString(T5Encoder.CACHE_SIZE));
  }
}
