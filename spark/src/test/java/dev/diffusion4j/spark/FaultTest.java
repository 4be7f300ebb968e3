package dev.diffusion4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed task is retried without duplicating or losing images; bad requests go to the errors. */
class FaultTest {

  /** Counts injected failures; local mode runs tasks in this JVM, so a static counter sees them. */
  static final AtomicInteger FAILURES = new AtomicInteger();

  @TempDir Path dir;

  @Test
  void aFailedTaskIsRetriedWithoutDuplicatesOrLosses() throws IOException {
    SparkSession spark = LocalSpark.session();
    StructType schema =
        new StructType()
            .add("id", DataTypes.StringType)
            .add("label", DataTypes.IntegerType)
            .add("steps", DataTypes.IntegerType)
            .add("seed", DataTypes.LongType)
            .add("count", DataTypes.IntegerType);
    Path table = dir.resolve("requests.parquet");
    spark
        .createDataFrame(
            List.of(
                RowFactory.create("twos", 2, 10, 3L, 4), RowFactory.create("fives", 5, 10, 4L, 4)),
            schema)
        .write()
        .parquet(table.toString());
    Dataset<Row> requests = BatchJob.readRequests(spark, table.toString());

    // the first attempt of the task holding image 2 of "twos" dies after writing it to _tmp/,
    // before the rename, after the images before it in the partition are in place
    FAILURES.set(0);
    Path out = dir.resolve("out");
    BatchJob.Result faulty =
        new BatchJob(LocalSpark.classModel(), out.toString())
            .partitions(2)
            .fault(
                (task, id, index) -> {
                  if (id.equals("twos") && index == 2 && task.attemptNumber() == 0) {
                    FAILURES.incrementAndGet();
                    throw new IllegalStateException("injected failure of " + id + "/" + index);
                  }
                })
            .run(spark, requests);
    Path clean = dir.resolve("clean");
    new BatchJob(LocalSpark.classModel(), clean.toString()).partitions(3).run(spark, requests);

    assertThat(FAILURES.get()).as("injected failures").isEqualTo(1);
    assertThat(faulty.images()).isEqualTo(8);
    assertThat(faulty.errors()).isZero();
    List<String> expected =
        List.of(
            "images/fives/000000.png",
            "images/fives/000001.png",
            "images/fives/000002.png",
            "images/fives/000003.png",
            "images/twos/000000.png",
            "images/twos/000001.png",
            "images/twos/000002.png",
            "images/twos/000003.png");
    // nothing else in the folder: no second copy, no temporary, no checksum file
    assertThat(DeterminismTest.imagesUnder(out)).containsExactlyElementsOf(expected);
    assertThat(out.resolve(OutputFolder.TMP)).doesNotExist();
    for (String image : expected) {
      assertThat(Files.readAllBytes(out.resolve(image)))
          .as(image)
          .isEqualTo(Files.readAllBytes(clean.resolve(image)));
    }
    List<Row> manifest = spark.read().parquet(faulty.manifest()).collectAsList();
    Set<String> paths = manifest.stream().map(r -> r.getString(3)).collect(Collectors.toSet());
    assertThat(manifest).hasSize(8);
    assertThat(paths).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void aModelThatDoesNotLoadFailsTheJobRatherThanEveryRequest() {
    SparkSession spark = LocalSpark.session();
    Dataset<Row> requests =
        spark.createDataFrame(
            List.of(RowFactory.create("a", "1", "1")),
            new StructType()
                .add("id", DataTypes.StringType)
                .add("label", DataTypes.StringType)
                .add("seed", DataTypes.StringType));
    BatchJob job = new BatchJob(ModelSpec.of("no-such-model.onnx"), dir.resolve("out").toString());
    assertThatThrownBy(() -> job.run(spark, requests))
        .hasMessageContaining("model not found: no-such-model.onnx")
        .hasMessageContaining("ship it with --files or --archives");
  }

  @Test
  void badRequestsGoToTheErrorTableAndTheRestCompletes() throws IOException {
    SparkSession spark = LocalSpark.session();
    Path json = dir.resolve("requests.json");
    Files.writeString(
        json,
        String.join(
            "\n",
            "{\"id\":\"good-1\",\"label\":3,\"seed\":1,\"steps\":10,\"count\":2}",
            "{\"id\":\"digit-12\",\"label\":12,\"seed\":1,\"steps\":10}",
            "{\"id\":\"prompt\",\"prompt\":\"a photo of a dog\",\"seed\":1,\"steps\":10}",
            "{\"id\":\"ddim\",\"label\":3,\"sampler\":\"DDIM\",\"seed\":1,\"steps\":10}",
            "{\"id\":\"euler\",\"label\":3,\"sampler\":\"euler\",\"seed\":1,\"steps\":10}",
            "{\"id\":\"no-seed\",\"label\":3,\"steps\":10}",
            "{\"id\":\"dup\",\"label\":4,\"seed\":1,\"steps\":10}",
            "{\"id\":\"dup\",\"label\":5,\"seed\":2,\"steps\":10}",
            "{\"id\":\"../escape\",\"label\":3,\"seed\":1}",
            "{\"id\":\"steps-500\",\"label\":3,\"seed\":1,\"steps\":500}",
            "{\"id\":\"upscale\",\"technique\":\"upscale\",\"label\":3,\"seed\":1}",
            "{\"id\":\"sdedit-missing\",\"technique\":\"sdedit\",\"label\":3,\"seed\":1,"
                + "\"image\":\""
                + dir.resolve("none.png").toUri()
                + "\",\"start\":5}",
            "this line is not JSON",
            "{\"id\":\"good-2\",\"technique\":\"anagram\",\"label\":6,\"other_label\":9,"
                + "\"view\":\"rot180\",\"seed\":3,\"steps\":10}",
            ""));
    Path out = dir.resolve("out[1]"); // a glob character in the path: nothing reads it back as one
    BatchJob.Result r =
        new BatchJob(LocalSpark.classModel(), out.toString())
            .run(spark, BatchJob.readRequests(spark, json.toString()));

    assertThat(r.images()).isEqualTo(4);
    assertThat(DeterminismTest.imagesUnder(out))
        .containsExactlyInAnyOrder(
            "images/ddim/000000.png",
            "images/good-1/000000.png",
            "images/good-1/000001.png",
            "images/good-2/000000.png");
    Map<String, String> errors = new HashMap<>();
    List<Row> rows =
        spark.read().parquet(out.resolve("errors").toString().replace("[", "\\[")).collectAsList();
    Set<String> duplicateMessages = new HashSet<>();
    for (Row e : rows) {
      String id = e.isNullAt(0) ? "(none)" : e.getString(0);
      assertThat(e.isNullAt(1)).as("index of a refused request").isTrue();
      assertThat(e.getString(3)).as("the request as JSON").isNotEmpty();
      if (id.equals("dup")) {
        duplicateMessages.add(e.getString(2));
      }
      errors.put(id, e.getString(2));
    }
    assertThat(rows).hasSize(11);
    assertThat(r.errors()).isEqualTo(11);
    assertThat(errors.get("digit-12")).contains("digit must be in [0, 9], but is: 12");
    assertThat(errors.get("prompt")).contains("must be a digit label").contains("a photo of a dog");
    assertThat(errors.get("euler"))
        .contains(
            "sampler must be one of " + dev.diffusion4j.Sampler.cliNames() + ", but is: 'euler'");
    assertThat(errors.get("no-seed")).contains("seed is required");
    assertThat(duplicateMessages).singleElement().asString().contains("more than one request");
    assertThat(errors.get("../escape")).contains("id must be");
    assertThat(errors.get("steps-500")).contains("steps must be in [1, 300], but is: 500");
    assertThat(errors.get("upscale")).contains("technique must be one of");
    assertThat(errors.get("sdedit-missing")).contains("image not found");
    assertThat(errors.get("(none)")).contains("malformed record").contains("not JSON");
  }
}
