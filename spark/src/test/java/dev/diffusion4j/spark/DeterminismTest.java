package dev.diffusion4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.Condition;
import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Generation;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.tensor.Tensor;
import dev.diffusion4j.view.View;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same requests give the same bytes in Spark (local[2], two different partitionings) as the
 * fluent API in one plain JVM.
 */
class DeterminismTest {

  @TempDir static Path dir;
  static Path three;
  static Path reference;

  /** The expected images: each request's images made one by one with the library's fluent API. */
  @BeforeAll
  static void plainJvm() throws IOException {
    reference = dir.resolve("plain");
    SessionSettings settings = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);
    try (Diffusion d =
        Diffusion.mnist(LocalSpark.testdata("models/mnist/class-epoch20.onnx"), settings)) {
      three = dir.resolve("three.png");
      Images.write(
          d.pipeline().label(3).steps(20).seed(1).generate().images(),
          0,
          ValueRange.ZERO_TO_ONE,
          three);
      Tensor threeImage = Images.readGray(three, ValueRange.ZERO_TO_ONE);
      expect("sevens", 42, 3, s -> d.pipeline().label(7).guidance(5).steps(20).seed(s).generate());
      expect(
          "six-nine",
          7,
          2,
          s ->
              d.pipeline()
                  .label(6)
                  .guidance(5)
                  .steps(20)
                  .anagram(Condition.label(9), View.ROT180)
                  .seed(s)
                  .generate());
      expect(
          "eight-one",
          11,
          2,
          s -> d.pipeline().label(8).steps(20).hybrid(Condition.label(1)).seed(s).generate());
      expect(
          "three-to-eight",
          5,
          2,
          s ->
              d.pipeline().label(8).guidance(5).steps(20).image(threeImage, 10).seed(s).generate());
    }
  }

  private static void expect(String id, long seed, int count, LongFunction<Generation> run) {
    for (int i = 0; i < count; i++) {
      Generation g = run.apply(ImageSeeds.of(seed, i));
      assertThat(g.images().dim(0)).isEqualTo(1);
      Images.write(
          g.images(), 0, ValueRange.ZERO_TO_ONE, reference.resolve(OutputFolder.imagePath(id, i)));
    }
  }

  private static Path requestTable() throws IOException {
    Path csv = dir.resolve("requests.csv");
    Files.writeString(
        csv,
        String.join(
            "\n",
            "id,technique,label,other_label,view,guidance,steps,sampler,seed,count,image,start",
            "sevens,sample,7,,,5,20,ddpm,42,3,,",
            "six-nine,anagram,6,9,rot180,5,20,,7,2,,",
            "eight-one,hybrid,8,1,,,20,,11,2,,",
            "three-to-eight,sdedit,8,,,5,20,,5,2," + three.toUri() + ",10",
            ""));
    return csv;
  }

  @Test
  void sparkWritesTheBytesOfThePlainJvmHoweverItIsPartitioned() throws IOException {
    SparkSession spark = LocalSpark.session();
    Dataset<Row> requests = BatchJob.readRequests(spark, requestTable().toString());
    int opensBefore = ExecutorDiffusion.opens();

    Path wide = dir.resolve("wide");
    BatchJob.Result r1 =
        new BatchJob(LocalSpark.classModel(), wide.toString())
            .partitions(5)
            .run(spark, requests.repartition(3));
    Path narrow = dir.resolve("narrow");
    BatchJob.Result r2 =
        new BatchJob(LocalSpark.classModel(), narrow.toString())
            .partitions(1)
            .run(spark, requests.coalesce(1));

    assertThat(r1.images()).isEqualTo(9);
    assertThat(r1.errors()).isZero();
    assertThat(r1.cpuSeconds()).isPositive().isLessThanOrEqualTo(r1.imageSeconds() * 1.05);
    assertThat(r2.images()).isEqualTo(9);
    List<String> expected = imagesUnder(reference);
    assertThat(expected).hasSize(9);
    assertThat(imagesUnder(wide)).containsExactlyElementsOf(expected);
    assertThat(imagesUnder(narrow)).containsExactlyElementsOf(expected);
    for (String image : expected) {
      byte[] plain = Files.readAllBytes(reference.resolve(image));
      assertThat(Files.readAllBytes(wide.resolve(image))).as(image).isEqualTo(plain);
      assertThat(Files.readAllBytes(narrow.resolve(image))).as(image).isEqualTo(plain);
    }

    List<Row> manifest =
        spark.read().parquet(r1.manifest()).orderBy("request_id", "index").collectAsList();
    assertThat(manifest).hasSize(9);
    for (Row m : manifest) {
      String id = m.getString(0);
      int index = m.getInt(1);
      long requestSeed =
          switch (id) {
            case "sevens" -> 42;
            case "six-nine" -> 7;
            case "eight-one" -> 11;
            default -> 5;
          };
      assertThat(m.getLong(2)).isEqualTo(ImageSeeds.of(requestSeed, index));
      assertThat(m.getString(3)).isEqualTo(OutputFolder.imagePath(id, index));
      assertThat(m.getDouble(4)).isPositive();
      assertThat(m.getString(5)).isEqualTo("cpu");
    }
    // one model per JVM (the executor here is the test JVM), reused by both jobs and every task
    assertThat(ExecutorDiffusion.opens()).isLessThanOrEqualTo(opensBefore + 1);
    assertThat(wide.resolve(OutputFolder.TMP)).doesNotExist();
  }

  /** Every file under a folder's images/, relative to the folder, sorted. */
  static List<String> imagesUnder(Path folder) throws IOException {
    List<String> files = new ArrayList<>();
    Path images = folder.resolve(OutputFolder.IMAGES);
    try (var walk = Files.walk(images)) {
      walk.filter(Files::isRegularFile)
          .forEach(p -> files.add(folder.relativize(p).toString().replace('\\', '/')));
    }
    files.sort(null);
    return files;
  }
}
