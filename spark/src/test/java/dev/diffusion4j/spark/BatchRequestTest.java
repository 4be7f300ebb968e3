package dev.diffusion4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.diffusion4j.Condition;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.view.ViewTable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Reading a request row, without Spark running: strings as from CSV, numbers as from Parquet. */
class BatchRequestTest {

  private static Row row(Object... keyValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put((String) keyValues[i], keyValues[i + 1]);
    }
    StructType schema = new StructType();
    for (Map.Entry<String, Object> e : m.entrySet()) {
      schema =
          schema.add(
              e.getKey(),
              e.getValue() instanceof Long
                  ? DataTypes.LongType
                  : e.getValue() instanceof Integer
                      ? DataTypes.IntegerType
                      : e.getValue() instanceof Double
                          ? DataTypes.DoubleType
                          : DataTypes.StringType);
    }
    return new GenericRowWithSchema(m.values().toArray(), schema);
  }

  @Test
  void readsStringsAndNumbersAlike() {
    BatchRequest csv = BatchRequest.of(row("id", "a", "label", "7", "seed", "42", "count", "3"));
    BatchRequest parquet = BatchRequest.of(row("id", "a", "label", 7, "seed", 42L, "count", 3));
    assertThat(csv.seed()).isEqualTo(42).isEqualTo(parquet.seed());
    assertThat(csv.count()).isEqualTo(3).isEqualTo(parquet.count());
    assertThat(csv.technique()).isEqualTo("sample");
    assertThat(BatchRequest.of(row("id", "b", "label", "1", "seed", "1")).count()).isEqualTo(1);
  }

  @Test
  void everyViewTableViewIsAccepted() {
    assertThat(BatchRequest.VIEWS).isEqualTo(ViewTable.names(ViewTable.Kind.VIEW));
    for (String view : List.of("jigsaw", "patch_permute:4", "skew:skew_factor=2", "Inner_Circle")) {
      BatchRequest.of(
          row(
              "id",
              "a",
              "technique",
              "anagram",
              "label",
              "6",
              "other_label",
              "9",
              "view",
              view,
              "seed",
              "1"));
    }
  }

  @Test
  void emptyCellsAreMissingValues() {
    BatchRequest r =
        BatchRequest.of(
            row("id", "a", "label", "7", "prompt", "", "guidance", " ", "seed", "1", "view", ""));
    assertThat(r.count()).isEqualTo(1);
  }

  @Test
  void theSamplerColumnSetsTheSamplerFromTheLibrarysTable() {
    assertThat(BatchRequest.SAMPLERS).isEqualTo(dev.diffusion4j.Sampler.cliNames());
    try (dev.diffusion4j.Diffusion d =
        dev.diffusion4j.Diffusion.mnist(LocalSpark.testdata("models/contract/class-d4.onnx"))) {
      for (dev.diffusion4j.Sampler s : dev.diffusion4j.Sampler.values()) {
        dev.diffusion4j.Request r =
            BatchRequest.of(
                    row("id", "a", "label", "7", "seed", "1", "sampler", s.cliName(), "steps", 10))
                .pipeline(d, null)
                .build();
        assertThat(r.sampler()).isEqualTo(s);
        assertThat(r.steps()).isEqualTo(10);
      }
      assertThat(
              BatchRequest.of(row("id", "a", "label", "7", "seed", "1"))
                  .pipeline(d, null)
                  .build()
                  .sampler())
          .isEqualTo(dev.diffusion4j.Sampler.DDPM);
    }
  }

  @Test
  void theSamplerColumnTakesTheSchedulersOptions() {
    try (dev.diffusion4j.Diffusion d =
        dev.diffusion4j.Diffusion.mnist(LocalSpark.testdata("models/contract/class-d4.onnx"))) {
      dev.diffusion4j.SamplerSettings dpm3 =
          dev.diffusion4j.SamplerSettings.of(dev.diffusion4j.Sampler.DPM_SOLVER_PP)
              .solverOrder(3)
              .karrasSigmas(true);
      BatchRequest b =
          BatchRequest.of(
              row(
                  "id",
                  "a",
                  "label",
                  "7",
                  "seed",
                  "1",
                  "steps",
                  10,
                  "sampler",
                  "DPM++: solver_order=3, use_karras_sigmas=true"));
      dev.diffusion4j.Request r = b.pipeline(d, null).build();
      assertThat(r.samplerSettings()).isEqualTo(dpm3);
      assertThat(r.sampler()).isEqualTo(dev.diffusion4j.Sampler.DPM_SOLVER_PP);
      // the same image as the fluent API with those settings
      assertThat(b.pipeline(d, null).seed(5).generate().images().data())
          .containsExactly(
              d.pipeline().label(7).sampler(dpm3).steps(10).seed(5).generate().images().data());
    }
  }

  @Test
  void refusesWhatItCanCheckWithoutTheModel() {
    assertRefused(row("label", "7", "seed", "1"), "id is required");
    assertRefused(row("id", "a/b", "label", "7", "seed", "1"), "id must be");
    assertRefused(row("id", "a", "seed", "1"), "exactly one of label and prompt is required");
    assertRefused(
        row("id", "a", "label", "1", "prompt", "x", "seed", "1"),
        "exactly one of label and prompt is required, but got label 1 and prompt 'x'");
    assertRefused(row("id", "a", "label", "seven", "seed", "1"), "label must be an integer");
    assertRefused(row("id", "a", "label", 2.5, "seed", "1"), "label must be an integer");
    assertRefused(row("id", "a", "label", "7"), "seed is required");
    assertRefused(
        row("id", "a", "label", "7", "seed", "1", "count", "0"), "count must be in [1, 10000]");
    assertRefused(
        row("id", "a", "label", "7", "seed", "1", "sampler", "euler"),
        "sampler must be one of " + dev.diffusion4j.Sampler.cliNames() + ", but is: 'euler'");
    assertRefused(
        row("id", "a", "label", "7", "seed", "1", "sampler", "dpm++:karras=true"),
        "unknown sampler option 'karras' in 'dpm++:karras=true'");
    assertRefused(
        row("id", "a", "label", "7", "seed", "1", "sampler", "euler-a:use_karras_sigmas=true"),
        "use_karras_sigmas does not apply to sampler euler-a");
    assertRefused(
        row("id", "a", "label", "7", "seed", "1", "sampler", "unipc:solver_order=7"),
        "sampler option solver_order='7' in 'unipc:solver_order=7'");
    assertRefused(
        row("id", "a", "label", "7", "seed", "1", "guidance", "lots"), "guidance must be a number");
    assertRefused(
        row("id", "a", "technique", "anagram", "label", "6", "seed", "1"),
        "exactly one of other_label and other_prompt is required for anagram");
    assertRefused(
        row("id", "a", "label", "6", "other_label", "9", "seed", "1"),
        "other_label and other_prompt are for anagram and hybrid");
    assertRefused(
        row(
            "id",
            "a",
            "technique",
            "anagram",
            "label",
            "6",
            "other_label",
            "9",
            "view",
            "mirror",
            "seed",
            "1"),
        "view must be one of " + BatchRequest.VIEWS + ", but is: 'mirror'");
    assertRefused(
        row(
            "id",
            "a",
            "technique",
            "anagram",
            "label",
            "6",
            "other_label",
            "9",
            "view",
            "patch_permute:0",
            "seed",
            "1"),
        "view 'patch_permute:0': num_patches must be >= 1, but is: 0");
    assertRefused(
        row(
            "id",
            "a",
            "technique",
            "hybrid",
            "label",
            "6",
            "other_label",
            "9",
            "view",
            "flip",
            "seed",
            "1"),
        "view is for anagram");
    assertRefused(
        row("id", "a", "technique", "sdedit", "label", "6", "seed", "1"),
        "sdedit needs image and start");
    assertRefused(
        row("id", "a", "label", "6", "seed", "1", "start", "3"), "image and start are for sdedit");
  }

  @Test
  void negativePromptBecomesTheUnconditionalPass() {
    BatchRequest r =
        BatchRequest.of(
            row(
                "id",
                "a",
                "prompt",
                "a photo of a dog",
                "negative_prompt",
                "a man wearing a hat",
                "seed",
                "1"));
    assertThat(r.negativePrompt()).isEqualTo("a man wearing a hat");
    assertThat(BatchRequest.of(row("id", "a", "prompt", "x", "seed", "1")).negativePrompt())
        .isNull();
    try (Diffusion d =
        Diffusion.deepFloyd(
            LocalSpark.testdata("models/tiny-if-diffusers"), SessionSettings.on(Device.cpu()))) {
      assertThat(r.pipeline(d, null).build().negative())
          .isEqualTo(Condition.prompt("a man wearing a hat"));
    }
    assertRefused(
        row("id", "a", "label", "7", "negative_prompt", "a 1", "seed", "1"),
        "negative_prompt is for prompts (IF), but got label 7 and negative_prompt 'a 1'");
  }

  @Test
  void refusesUnknownColumnsListingTheKnownOnes() {
    assertThatThrownBy(
            () -> BatchRequest.checkColumns(row("id", "a", "lable", "7", "seed", "1").schema()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "the request table has unknown columns [lable]; the columns are: [id,");
  }

  private static void assertRefused(Row row, String message) {
    assertThatThrownBy(() -> BatchRequest.of(row))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void countIsCappedAndEchoedInputIsEscaped() {
    assertThatThrownBy(
            () -> BatchRequest.of(row("id", "a", "label", "7", "seed", "1", "count", "2000000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count must be in [1, 10000] (BatchRequest.MAX_COUNT), but is: 2000000");
    assertThatThrownBy(
            () ->
                BatchRequest.of(
                    row(
                        "id",
                        "a",
                        "technique",
                        "sdedit",
                        "label",
                        "7",
                        "seed",
                        "1",
                        "image",
                        "x.png\nERROR forged")))
        .hasMessageContaining("'x.png\\nERROR forged'")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  /** A start image that is a device, a folder or too long is a row error, never an OOM. */
  @Test
  void startImagesThatAreDevicesOrEndlessAreRowErrors(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    OutputFolder folder =
        new OutputFolder(dir.resolve("out").toString(), new org.apache.hadoop.conf.Configuration());
    assertThatThrownBy(
            () -> folder.readImage("/dev/zero", 1, dev.diffusion4j.image.ValueRange.ZERO_TO_ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("image file is not a regular file (a FIFO, a device or a socket): /dev/zero");
    assertThatThrownBy(
            () -> folder.readImage(dir.toString(), 1, dev.diffusion4j.image.ValueRange.ZERO_TO_ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("image file is a directory");
    java.nio.file.Path big = dir.resolve("big.png");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(OutputFolder.MAX_IMAGE_BYTES + 1); // sparse: no 64 MiB written
    }
    assertThatThrownBy(
            () -> folder.readImage(big.toString(), 1, dev.diffusion4j.image.ValueRange.ZERO_TO_ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image must be a file of at most 67108864 bytes, but");
    java.nio.file.Path garbage = java.nio.file.Files.writeString(dir.resolve("g.png"), "not png");
    assertThatThrownBy(
            () ->
                folder.readImage(
                    garbage.toString(), 1, dev.diffusion4j.image.ValueRange.ZERO_TO_ONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("image must be a readable PNG or JPEG, but " + garbage);
  }
}
