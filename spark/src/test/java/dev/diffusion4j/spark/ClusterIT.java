package dev.diffusion4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.diffusion4j.Diffusion;
import dev.diffusion4j.Sampler;
import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.SessionSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundle on a real Spark standalone cluster: a master and two workers of one core each, every
 * one its own JVM, and the job submitted through {@code spark-submit} in another. One worker is
 * killed with its executor while the job runs; the job completes with every image once and the
 * bytes of a plain JVM, each executor opens the model once, and a second run into the same folder
 * redoes only a truncated and a missing image. Runs in the integration-test phase (after the bundle
 * is built); the cluster is stopped after the tests, or if the JVM exits first.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  static final Duration JOB = Duration.ofMinutes(6);

  /** Two requests of 12 digits each, with two fast samplers (about 0.3 CPU-seconds a digit). */
  static final String REQUESTS =
      "id,label,guidance,sampler,steps,seed,count\n"
          + "threes,3,5,dpm++,20,5,12\n"
          + "sevens,7,5,unipc,20,6,12\n";

  static final int IMAGES = 24;

  @TempDir static Path dir;
  static StandaloneCluster cluster;
  static Path reference;
  static Path out;
  static Path model;

  @BeforeAll
  static void startClusterAndMakeTheExpectedImages() throws Exception {
    // set by the pom's "cluster" execution, after package; absent in the unit-test phase, which
    // runs this class only when -Dtest names it
    org.junit.jupiter.api.Assumptions.assumeTrue(
        System.getProperty("bundle.jar") != null, "runs in the integration-test phase");
    reference = dir.resolve("plain");
    model = LocalSpark.testdata("models/mnist/class-epoch20.onnx");
    SessionSettings settings = SessionSettings.on(Device.cpu()).withIntraOpThreads(1);
    try (Diffusion d = Diffusion.mnist(model, settings)) {
      for (int i = 0; i < 12; i++) {
        write(d, "threes", 3, Sampler.fromName("dpm++"), ImageSeeds.of(5, i), i);
        write(d, "sevens", 7, Sampler.fromName("unipc"), ImageSeeds.of(6, i), i);
      }
    }
    cluster =
        new StandaloneCluster(dir.resolve("cluster"), Path.of(System.getProperty("classpath.file")))
            .startMaster();
    cluster.startWorker();
    cluster.startWorker();
    out = dir.resolve("out");
    Files.writeString(dir.resolve("requests.csv"), REQUESTS);
  }

  private static void write(Diffusion d, String id, int label, Sampler s, long seed, int i) {
    Images.write(
        d.pipeline().label(label).guidance(5).sampler(s).steps(20).seed(seed).generate().images(),
        0,
        ValueRange.ZERO_TO_ONE,
        reference.resolve(OutputFolder.imagePath(id, i)));
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static StandaloneCluster.Submitted submit(String name) throws Exception {
    return cluster.submit(
        cluster.masterUrl(),
        name,
        List.of(
            "--conf", "spark.cores.max=2",
            "--conf", "spark.task.maxFailures=4",
            "--conf", "spark.scheduler.minRegisteredResourcesRatio=1.0",
            "--files", model.toString()),
        Path.of(System.getProperty("bundle.jar")),
        List.of(
            "--requests", dir.resolve("requests.csv").toString(),
            "--model", model.getFileName().toString(),
            "--out", out.toString(),
            "--partitions", "8"),
        JOB);
  }

  @Test
  @Order(1)
  void aJobThatLosesAWorkerCompletesWithEveryImageOnceAndThePlainJvmsBytes() throws Exception {
    CompletableFuture<StandaloneCluster.Submitted> job =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return submit("lost-worker");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    // 1. kill the second worker and its executor once the first images are in place
    Process victim = cluster.workers().get(1);
    int atKill = -1;
    while (!job.isDone()) {
      int done = countImages(out);
      if (done >= 2) {
        assertThat(victim.descendants().count())
            .as("the worker's executor is running")
            .isPositive();
        StandaloneCluster.kill(victim);
        atKill = countImages(out);
        break;
      }
      Thread.sleep(50);
    }
    StandaloneCluster.Submitted r = job.get();
    assertThat(r.exitCode()).as(r.log()).isZero();
    assertThat(atKill).as("images in place when the worker was killed").isBetween(2, IMAGES - 2);
    assertThat(victim.isAlive()).isFalse();
    // images that the lost executor had written count as kept when its lost tasks run again
    assertThat(r.log())
        .containsPattern(IMAGES + " images \\(\\d+ kept from an earlier run\\), 0 errors");

    // 2. every image once, the bytes of the plain JVM, nothing left over
    List<String> expected = DeterminismTest.imagesUnder(reference);
    assertThat(expected).hasSize(IMAGES);
    assertThat(DeterminismTest.imagesUnder(out)).containsExactlyElementsOf(expected);
    for (String image : expected) {
      assertThat(Files.readAllBytes(out.resolve(image)))
          .as(image)
          .isEqualTo(Files.readAllBytes(reference.resolve(image)));
    }
    assertThat(out.resolve(OutputFolder.TMP)).doesNotExist();
    List<Row> manifest = readManifest();
    Set<String> paths = new HashSet<>();
    manifest.forEach(m -> paths.add(m.getString(m.fieldIndex("path"))));
    assertThat(manifest).hasSize(IMAGES);
    assertThat(paths).containsExactlyInAnyOrderElementsOf(expected);

    // 3. each executor JVM that ran a task opened the model once, and both executors did
    List<Path> logs = cluster.executorLogs();
    assertThat(logs).hasSize(2);
    for (Path log : logs) {
      boolean ranTasks = Files.readString(log).contains("Running task");
      assertThat(opens(log)).as(log + ": opens of the model").isEqualTo(ranTasks ? 1 : 0);
    }
    assertThat(logs.stream().mapToInt(ClusterIT::opensOrFail).sum()).isEqualTo(2);
  }

  @Test
  @Order(2)
  void aSecondRunRedoesOnlyTheTruncatedAndTheMissingImage() throws Exception {
    String truncated = "images/threes/000003.png";
    String missing = "images/sevens/000010.png";
    byte[] whole = Files.readAllBytes(out.resolve(truncated));
    Files.write(out.resolve(truncated), Arrays.copyOf(whole, whole.length - 20));
    Files.delete(out.resolve(missing));
    List<String> expected = DeterminismTest.imagesUnder(reference);
    Map<String, Object> keys = new HashMap<>();
    for (String image : DeterminismTest.imagesUnder(out)) {
      keys.put(
          image, Files.readAttributes(out.resolve(image), BasicFileAttributes.class).fileKey());
    }
    List<Path> logsBefore = cluster.executorLogs();

    StandaloneCluster.Submitted r = submit("resume");

    assertThat(r.exitCode()).as(r.log()).isZero();
    assertThat(r.log())
        .contains(IMAGES + " images (" + (IMAGES - 2) + " kept from an earlier run)");
    assertThat(DeterminismTest.imagesUnder(out)).containsExactlyElementsOf(expected);
    for (String image : expected) {
      assertThat(Files.readAllBytes(out.resolve(image)))
          .as(image)
          .isEqualTo(Files.readAllBytes(reference.resolve(image)));
      Object key = Files.readAttributes(out.resolve(image), BasicFileAttributes.class).fileKey();
      if (image.equals(truncated)) {
        assertThat(key).as("rewritten: " + image).isNotEqualTo(keys.get(image));
      } else if (!image.equals(missing)) {
        assertThat(key).as("kept: " + image).isEqualTo(keys.get(image));
      }
    }
    List<Row> manifest = readManifest();
    assertThat(manifest).hasSize(IMAGES);
    long reused = manifest.stream().filter(m -> m.getBoolean(m.fieldIndex("reused"))).count();
    assertThat(reused).isEqualTo(IMAGES - 2);
    // the one worker left ran the second job's one executor, which opened the model once
    List<Path> logs = new java.util.ArrayList<>(cluster.executorLogs());
    logs.removeAll(logsBefore);
    assertThat(logs).hasSize(1);
    assertThat(opens(logs.get(0))).isEqualTo(1);
  }

  private static List<Row> readManifest() {
    return LocalSpark.session()
        .read()
        .parquet(out.resolve(OutputFolder.MANIFEST).toString())
        .collectAsList();
  }

  private static int countImages(Path folder) throws IOException {
    Path images = folder.resolve(OutputFolder.IMAGES);
    if (!Files.isDirectory(images)) {
      return 0;
    }
    try (var walk = Files.walk(images)) {
      return (int) walk.filter(p -> p.toString().endsWith(".png")).count();
    }
  }

  private static int opensOrFail(Path log) {
    try {
      return opens(log);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static int opens(Path log) throws IOException {
    Matcher m =
        Pattern.compile(Pattern.quote(ExecutorDiffusion.OPENED)).matcher(Files.readString(log));
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
