package dev.diffusion4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;

/** The tests' Spark session and model: one local session per test JVM, as on a real executor. */
final class LocalSpark {

  /**
   * Two task threads (local[2]); a task may fail twice before the job does (the ",3"), so that an
   * injected failure is retried as on a cluster ({@code local[N]} alone never retries).
   */
  static final String MASTER = "local[2,3]";

  private static SparkSession spark;

  private LocalSpark() {}

  static synchronized SparkSession session() {
    if (spark == null) {
      spark =
          SparkSession.builder()
              .master(MASTER)
              .appName("diffusion4j-spark-test")
              .config("spark.ui.enabled", "false")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.sql.shuffle.partitions", "4")
              .getOrCreate();
    }
    return spark;
  }

  /** The class-conditioned MNIST UNet, on the CPU with one intra-op thread per task. */
  static ModelSpec classModel() {
    return new ModelSpec(testdata("models/mnist/class-epoch20.onnx").toString(), "cpu", 1);
  }

  /** Returns {@code testdata/<relative>}, searching upwards from the working directory. */
  static Path testdata(String relative) {
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("testdata");
      if (Files.isDirectory(candidate)) {
        return candidate.resolve(relative);
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("no testdata/ folder above " + Paths.get("").toAbsolutePath());
  }
}
