package dev.diffusion4j.spark;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The job from the command line, as {@code spark-submit} runs it:
 *
 * <pre>
 * spark-submit --class dev.diffusion4j.spark.Main --files class-epoch20.onnx \
 *   diffusion4j-spark-bundle.jar --requests requests.csv --model class-epoch20.onnx --out out
 * </pre>
 *
 * <p>Prints the number of images (and how many of them an earlier run had written), errors, the
 * job's wall-clock time and its rate. Run again into the same {@code --out}, it resumes (see {@link
 * BatchJob#resume(boolean)}).
 */
@Command(
    name = "diffusion4j-spark",
    mixinStandardHelpOptions = true,
    description =
        "Generates the images of a request table on Spark: PNGs, a Parquet manifest and"
            + " an error table in --out.")
public final class Main implements Callable<Integer> {

  @Option(
      names = "--requests",
      required = true,
      description = "the request table: .csv (with a header), .json/.jsonl (JSON lines) or Parquet")
  String requests;

  @Option(
      names = "--model",
      required = true,
      description =
          "an MNIST UNet .onnx file or a DeepFloyd IF models folder (a shared path, or the"
              + " name under which --files or --archives shipped it)")
  String model;

  @Option(names = "--out", required = true, description = "the output folder (any Hadoop URI)")
  String out;

  @Option(
      names = "--device",
      defaultValue = ModelSpec.DEFAULT_DEVICE,
      description = "auto, cpu, cuda (the GPU Spark assigned to the executor) or cuda:N")
  String device;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "ONNX Runtime intra-op threads per task (default: ${DEFAULT-VALUE})")
  int threads;

  @Option(
      names = "--partitions",
      defaultValue = "0",
      description = "partitions (tasks) for the images; 0: 4 per core of the cluster")
  int partitions;

  @Option(
      names = "--regenerate",
      description =
          "generate every image again; by default a run keeps the whole images an earlier run"
              + " left in --out and generates only the missing or broken ones")
  boolean regenerate;

  @Option(
      names = "--master",
      description = "Spark master when not started by spark-submit, e.g. local[2]")
  String master;

  @Override
  public Integer call() {
    SparkSession.Builder builder = SparkSession.builder().appName("diffusion4j-spark");
    if (master != null) {
      builder.master(master).config("spark.ui.enabled", "false");
    }
    SparkSession spark = builder.getOrCreate();
    try {
      BatchJob.Result r =
          new BatchJob(new ModelSpec(model, device, threads), out)
              .partitions(partitions)
              .resume(!regenerate)
              .run(spark, BatchJob.readRequests(spark, requests));
      System.out.printf(
          Locale.ROOT,
          "%d images (%d kept from an earlier run), %d errors in %.1f s on %s: %.3f images/s; per image in a task: %.3f s,"
              + " %.3f s of CPU%nmanifest: %s%nerrors: %s%n",
          r.images(),
          r.reused(),
          r.errors(),
          r.seconds(),
          spark.sparkContext().master(),
          (r.images() - r.reused()) / r.seconds(),
          r.images() == 0 ? 0 : r.imageSeconds() / r.images(),
          r.images() == 0 ? 0 : r.cpuSeconds() / r.images(),
          r.manifest(),
          r.errorTable());
      return r.errors() == 0 ? 0 : 2;
    } finally {
      spark.stop();
    }
  }

  /**
   * Runs the job; exits 0 when every request ran, 2 when some went to the error table, 1 on a
   * failure.
   *
   * @param args the options (see {@code --help})
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
