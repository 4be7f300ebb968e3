package dev.diffusion4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job run again into its folder keeps the whole images and makes only the missing or broken ones.
 */
class ResumeTest {

  @TempDir Path dir;

  @Test
  void aRerunKeepsWholeImagesAndRedoesTruncatedMissingAndWrongSizedOnes() throws IOException {
    SparkSession spark = LocalSpark.session();
    Path csv = dir.resolve("requests.csv");
    Files.writeString(
        csv, "id,label,sampler,steps,seed,count\nfours,4,dpm++,10,9,3\nnines,9,ddim,10,2,2\n");
    Dataset<Row> requests = BatchJob.readRequests(spark, csv.toString());
    Path out = dir.resolve("out");
    BatchJob job = new BatchJob(LocalSpark.classModel(), out.toString()).partitions(2);

    BatchJob.Result first = job.run(spark, requests);
    assertThat(first.images()).isEqualTo(5);
    assertThat(first.reused()).isZero();
    List<String> images = DeterminismTest.imagesUnder(out);
    assertThat(images).hasSize(5);
    Map<String, byte[]> bytes = new HashMap<>();
    for (String image : images) {
      bytes.put(image, Files.readAllBytes(out.resolve(image)));
    }

    // an interrupted or damaged run: a PNG cut in half, one missing, one whole but 2x2 pixels
    String truncated = "images/fours/000001.png";
    String missing = "images/fours/000002.png";
    String wrongSize = "images/nines/000000.png";
    byte[] whole = bytes.get(truncated);
    Files.write(out.resolve(truncated), Arrays.copyOf(whole, whole.length / 2));
    Files.delete(out.resolve(missing));
    ImageIO.write(
        new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY),
        "png",
        out.resolve(wrongSize).toFile());
    List<String> kept = List.of("images/fours/000000.png", "images/nines/000001.png");
    Map<String, Object> keys = new HashMap<>();
    for (String image : kept) {
      keys.put(image, fileKey(out.resolve(image)));
    }

    BatchJob.Result second = job.run(spark, requests);
    assertThat(second.images()).isEqualTo(5);
    assertThat(second.reused()).isEqualTo(2);
    assertThat(second.errors()).isZero();
    assertThat(DeterminismTest.imagesUnder(out)).containsExactlyElementsOf(images);
    for (String image : images) {
      assertThat(Files.readAllBytes(out.resolve(image))).as(image).isEqualTo(bytes.get(image));
    }
    for (String image : kept) {
      assertThat(fileKey(out.resolve(image)))
          .as("not rewritten: " + image)
          .isEqualTo(keys.get(image));
    }
    List<Row> manifest = spark.read().parquet(second.manifest()).collectAsList();
    assertThat(manifest).hasSize(5);
    for (Row m : manifest) {
      String path = m.getString(m.fieldIndex("path"));
      assertThat(m.getBoolean(m.fieldIndex("reused"))).as(path).isEqualTo(kept.contains(path));
      assertThat(m.getLong(m.fieldIndex("bytes"))).isEqualTo(bytes.get(path).length);
      assertThat(m.getString(m.fieldIndex("sha256")))
          .isEqualTo(OutputFolder.sha256(bytes.get(path)));
    }
    assertThat(OutputFolder.sha256("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    BatchJob.Result regenerated = job.resume(false).run(spark, requests);
    assertThat(regenerated.reused()).isZero();
    assertThat(regenerated.images()).isEqualTo(5);
    assertThat(fileKey(out.resolve(kept.get(0)))).isNotEqualTo(keys.get(kept.get(0)));
    assertThat(Files.readAllBytes(out.resolve(kept.get(0)))).isEqualTo(bytes.get(kept.get(0)));
  }

  private static Object fileKey(Path p) throws IOException {
    return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
  }
}
