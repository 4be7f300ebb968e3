package dev.diffusion4j.spark;

import dev.diffusion4j.Generation;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.model.Denoiser;
import dev.diffusion4j.tensor.Tensor;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.spark.HashPartitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Generates the images of a table of requests on a Spark cluster: PNGs and a Parquet manifest in an
 * output folder, and the requests that could not run, with the reason, in an error table.
 *
 * <pre>{@code
 * try (SparkSession spark = SparkSession.builder().appName("digits").getOrCreate()) {
 *   Dataset<Row> requests = BatchJob.readRequests(spark, "requests.csv");
 *   BatchJob.Result r = new BatchJob(ModelSpec.of("class-epoch20.onnx"), "out").run(spark, requests);
 *   System.out.println(r.images() + " images, " + r.errors() + " errors");
 * }
 * }</pre>
 *
 * <p>The job, in its stages: 1. read and check every request on the executors (each opens its model
 * once, see {@link ModelSpec}), refuse duplicate ids; 2. expand each good request into its images,
 * {@code (id, index)}, spread over partitions by a hash of that pair; 3. generate each image alone,
 * seeded with {@link ImageSeeds#of(long, long)}, and write it atomically to a path made of {@code
 * (id, index)} (see {@link OutputFolder}); 4. write the manifest and the error table.
 *
 * <p>So an image is the same bits however the table is partitioned and whatever the number of
 * executors (on executors with the same CPU kind: ONNX Runtime's kernels differ between, say, AVX2
 * and AVX-512), and a retried or speculative task rewrites the same bytes to the same path. A
 * request that the library refuses (an unknown digit or prompt, a bad value) goes to the error
 * table and the rest of the job completes; a failure of the machinery (a model that cannot load, a
 * file system error) fails the task, which Spark retries ({@code spark.task.maxFailures}).
 *
 * <p>A job is immutable; {@link #run} may be called more than once. Running it again on the same
 * requests into the same folder resumes it: an image already at its path is kept, without running
 * the model, when it is whole (every PNG chunk's CRC matches, it decodes, and its width, height and
 * channels are the model's); a missing, truncated or corrupt one is generated again. The two tables
 * are replaced and list every image, kept ({@code reused} true) or new. An image is known by its
 * path, {@code (id, index)}, only: after changing a request, give it a new id or delete its folder,
 * or run with {@link #resume(boolean) resume(false)}, which regenerates every image.
 */
public final class BatchJob implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The column in which Spark's JSON and CSV readers put a record they cannot parse. */
  public static final String CORRUPT_RECORD = "_corrupt_record";

  /** The manifest's schema: one row per image written. */
  public static final StructType MANIFEST_SCHEMA =
      new StructType()
          .add("request_id", DataTypes.StringType, false)
          .add("index", DataTypes.IntegerType, false)
          .add("seed", DataTypes.LongType, false)
          .add("path", DataTypes.StringType, false)
          .add("seconds", DataTypes.DoubleType, false)
          .add("device", DataTypes.StringType, false)
          .add("cpu_seconds", DataTypes.DoubleType, false)
          .add("bytes", DataTypes.LongType, false)
          .add("sha256", DataTypes.StringType, false)
          .add("reused", DataTypes.BooleanType, false);

  /**
   * The error table's schema: one row per refused request (index null), or per refused image of a
   * request that passed the first check.
   */
  public static final StructType ERROR_SCHEMA =
      new StructType()
          .add("request_id", DataTypes.StringType, true)
          .add("index", DataTypes.IntegerType, true)
          .add("message", DataTypes.StringType, false)
          .add("request", DataTypes.StringType, true);

  /** Default partitions for the images: this many per core of the cluster. */
  public static final int DEFAULT_PARTITIONS_PER_CORE = 4;

  /** Test hook: runs after an image is written to its temporary file, before it is renamed. */
  interface Fault extends Serializable {
    void beforeRename(TaskContext task, String requestId, int index);
  }

  private final ModelSpec model;
  private final String out;
  private final int partitions;
  private final Fault fault;
  private final boolean resume;

  /** Whether a job keeps the whole images an earlier run left in its folder: {@value}. */
  public static final boolean DEFAULT_RESUME = true;

  /**
   * A job with the default partitioning.
   *
   * @param model the model every executor opens
   * @param out the output folder, a path or URI of any Hadoop file system
   */
  public BatchJob(ModelSpec model, String out) {
    this(model, out, 0, null, DEFAULT_RESUME);
  }

  private BatchJob(ModelSpec model, String out, int partitions, Fault fault, boolean resume) {
    if (model == null) {
      throw new IllegalArgumentException("model must not be null");
    }
    if (out == null || out.isBlank()) {
      throw new IllegalArgumentException("out must not be empty, but is: " + out);
    }
    if (partitions < 0) {
      throw new IllegalArgumentException("partitions must be >= 0, but is: " + partitions);
    }
    this.model = model;
    this.out = out;
    this.partitions = partitions;
    this.fault = fault;
    this.resume = resume;
  }

  /**
   * Returns a copy that spreads the images over a given number of partitions (Spark tasks).
   *
   * @param count the number of partitions, or 0 for {@value #DEFAULT_PARTITIONS_PER_CORE} per core
   *     of the cluster (Spark's default parallelism), at most one per image
   * @return the new job
   */
  public BatchJob partitions(int count) {
    return new BatchJob(model, out, count, fault, resume);
  }

  /**
   * Returns a copy that keeps or regenerates the images an earlier run left in the folder.
   *
   * @param keep {@code true} (the default, {@value #DEFAULT_RESUME}) to keep every whole image
   *     already at its path and generate the rest; {@code false} to generate every image again
   * @return the new job
   */
  public BatchJob resume(boolean keep) {
    return new BatchJob(model, out, partitions, fault, keep);
  }

  BatchJob fault(Fault f) {
    return new BatchJob(model, out, partitions, f, resume);
  }

  /**
   * What a run did.
   *
   * @param images the number of images in the folder after the run (rows of the manifest): those
   *     written and those reused
   * @param reused how many of them an earlier run had written and this one kept (see {@link
   *     #resume(boolean)})
   * @param errors the number of rows of the error table
   * @param seconds the wall-clock time of the run, from the first check to the last table written
   * @param imageSeconds the sum of the manifest's {@code seconds}: the time the tasks spent on the
   *     images, generating, encoding and writing them (or checking a reused one)
   * @param cpuSeconds the sum of the manifest's {@code cpu_seconds}: the CPU time of the task
   *     threads on the images (with one intra-op thread, ONNX Runtime runs on the task's thread)
   * @param manifest where the manifest is
   * @param errorTable where the error table is
   */
  public record Result(
      long images,
      long reused,
      long errors,
      double seconds,
      double imageSeconds,
      double cpuSeconds,
      String manifest,
      String errorTable)
      implements Serializable {}

  /**
   * Reads a request table: CSV with a header line, JSON lines or Parquet, chosen by the ending of
   * the path ({@code .csv}, {@code .json}, {@code .jsonl}, anything else is Parquet).
   *
   * @param spark the session
   * @param path a file or folder on any Hadoop file system
   * @return the table, its columns as {@link BatchRequest} describes
   */
  public static Dataset<Row> readRequests(SparkSession spark, String path) {
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".csv")) {
      return spark.read().option("header", "true").csv(path); // every column a string
    }
    if (lower.endsWith(".json") || lower.endsWith(".jsonl")) {
      return spark.read().json(path);
    }
    return spark.read().parquet(path);
  }

  /**
   * Runs the job: generates every image of every good request (keeping the whole ones an earlier
   * run left, unless {@link #resume(boolean) resume(false)}), writes the manifest and the error
   * table (both replaced if there), and removes the temporary files.
   *
   * @param spark the session
   * @param requests the request table ({@link #readRequests} or any data frame with those columns)
   * @return what was done
   * @throws IllegalArgumentException if the table has a column that is not a request column
   * @throws RuntimeException Spark's {@code SparkException} (thrown unchecked) if a task failed
   *     more often than Spark retries it
   */
  public Result run(SparkSession spark, Dataset<Row> requests) {
    long start = System.nanoTime();
    BatchRequest.checkColumns(requests.schema());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    OutputFolder folder = new OutputFolder(out, jsc.hadoopConfiguration());
    folder.deleteTmp();
    ModelSpec spec = model;
    Fault hook = fault;
    boolean keep = resume;

    // 1. read and check every request on the executors
    JavaRDD<Checked> checked =
        requests
            .toJavaRDD()
            .map(row -> Checked.of(row, spec, folder))
            .persist(StorageLevel.MEMORY_AND_DISK());
    Set<String> duplicates =
        new HashSet<>(
            checked
                .filter(c -> c.request != null)
                .mapToPair(c -> new Tuple2<>(c.request.id(), 1))
                .reduceByKey(Integer::sum)
                .filter(t -> t._2() > 1)
                .keys()
                .collect());
    Broadcast<Set<String>> dup = jsc.broadcast(duplicates);
    JavaRDD<Row> requestErrors =
        checked
            .filter(c -> c.request == null || dup.value().contains(c.request.id()))
            .map(Checked::errorRow);
    JavaRDD<BatchRequest> good =
        checked
            .filter(c -> c.request != null && !dup.value().contains(c.request.id()))
            .map(c -> c.request);

    // 2. expand into images, spread by a hash of (id, index)
    long images = good.map(r -> (long) r.count()).fold(0L, Long::sum);
    int n =
        partitions > 0
            ? partitions
            : (int)
                Math.max(
                    1,
                    Math.min(
                        images, (long) jsc.defaultParallelism() * DEFAULT_PARTITIONS_PER_CORE));
    JavaRDD<ImageTask> tasks =
        good.flatMap(ImageTask::of)
            .mapToPair(t -> new Tuple2<>(t.key(), t))
            .partitionBy(new HashPartitioner(n))
            .values();

    // 3. generate and write each image
    JavaRDD<Row> results =
        tasks
            .mapPartitions(it -> new Generate(spec, folder, hook, keep, it))
            .persist(StorageLevel.MEMORY_AND_DISK());

    // 4. the manifest and the error table
    Dataset<Row> manifest =
        spark.createDataFrame(
            results.filter(r -> r.isNullAt(6)).map(BatchJob::manifestRow), MANIFEST_SCHEMA);
    manifest.write().mode(SaveMode.Overwrite).parquet(folder.resolve(OutputFolder.MANIFEST));
    Dataset<Row> errors =
        spark.createDataFrame(
            requestErrors.union(results.filter(r -> !r.isNullAt(6)).map(BatchJob::imageErrorRow)),
            ERROR_SCHEMA);
    errors.write().mode(SaveMode.Overwrite).parquet(folder.resolve(OutputFolder.ERRORS));
    // counted from the cached rows: reading the tables back would glob their paths ("out[1]")
    JavaRDD<Row> written = results.filter(r -> r.isNullAt(6));
    long count = written.count();
    long reused = written.filter(r -> r.getBoolean(11)).count();
    long failed = requestErrors.count() + results.filter(r -> !r.isNullAt(6)).count();
    double imageSeconds = count == 0 ? 0 : written.mapToDouble(r -> r.getDouble(4)).sum();
    double cpuSeconds = count == 0 ? 0 : written.mapToDouble(r -> r.getDouble(8)).sum();
    results.unpersist(false);
    checked.unpersist(false);
    dup.destroy();
    folder.deleteTmp();
    return new Result(
        count,
        reused,
        failed,
        (System.nanoTime() - start) / 1e9,
        imageSeconds,
        cpuSeconds,
        folder.resolve(OutputFolder.MANIFEST),
        folder.resolve(OutputFolder.ERRORS));
  }

  private static Row manifestRow(Row r) {
    return RowFactory.create(
        r.getString(0),
        r.getInt(1),
        r.getLong(2),
        r.getString(3),
        r.getDouble(4),
        r.getString(5),
        r.getDouble(8),
        r.getLong(9),
        r.getString(10),
        r.getBoolean(11));
  }

  private static Row imageErrorRow(Row r) {
    return RowFactory.create(r.getString(0), r.getInt(1), r.getString(6), r.getString(7));
  }

  /** A request read and checked, or the reason it was refused. */
  static final class Checked implements Serializable {
    private static final long serialVersionUID = 1L;

    final BatchRequest request;
    final String id;
    final String error;
    final String json;

    private Checked(BatchRequest request, String id, String error, String json) {
      this.request = request;
      this.id = id;
      this.error = error;
      this.json = json;
    }

    static Checked of(Row row, ModelSpec spec, OutputFolder folder) {
      String json = row.json();
      String id = rawId(row);
      // a model that does not load fails the task (and, after Spark's retries, the job): it is
      // no fault of the request
      ExecutorDiffusion.Opened model = ExecutorDiffusion.get(spec);
      try {
        if (row.schema().getFieldIndex(CORRUPT_RECORD).isDefined()
            && !row.isNullAt(row.fieldIndex(CORRUPT_RECORD))) {
          throw new IllegalArgumentException(
              "malformed record: " + row.getString(row.fieldIndex(CORRUPT_RECORD)));
        }
        BatchRequest request = BatchRequest.of(row);
        Denoiser d = model.diffusion().denoiser();
        Tensor startImage =
            request.image() == null
                ? null
                : folder.readImage(request.image(), d.sampleShape()[0], d.valueRange());
        request.pipeline(model.diffusion(), startImage); // the model's own checks, no run
        return new Checked(request, request.id(), null, json);
      } catch (IllegalArgumentException e) {
        return new Checked(null, id, e.getMessage(), json);
      }
    }

    Row errorRow() {
      String message =
          error != null
              ? error
              : "id '" + id + "' is used by more than one request; ids name the images' folders";
      return RowFactory.create(id, null, message, json);
    }

    private static String rawId(Row row) {
      try {
        Object v = row.get(row.fieldIndex("id"));
        return v == null ? null : v.toString();
      } catch (IllegalArgumentException noIdColumn) {
        return null;
      }
    }
  }

  /** One image to make: a request and the image's index in it. */
  static final class ImageTask implements Serializable {
    private static final long serialVersionUID = 1L;

    final BatchRequest request;
    final int index;

    ImageTask(BatchRequest request, int index) {
      this.request = request;
      this.index = index;
    }

    String key() {
      return request.id() + "/" + index;
    }

    static Iterator<ImageTask> of(BatchRequest request) {
      return new Iterator<>() {
        private int next;

        @Override
        public boolean hasNext() {
          return next < request.count();
        }

        @Override
        public ImageTask next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return new ImageTask(request, next++);
        }
      };
    }
  }

  /**
   * Generates the images of one partition, one at a time, as the rows are pulled: {@code
   * (request_id, index, seed, path, seconds, device, error, request, cpu_seconds, bytes, sha256,
   * reused)}, error null for an image written or kept.
   */
  static final class Generate implements Iterator<Row> {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private final Iterator<ImageTask> tasks;
    private final OutputFolder folder;
    private final Fault fault;
    private final boolean resume;
    private final ExecutorDiffusion.Opened model;
    private final TaskContext task;
    private final String attempt;
    private final Map<String, Tensor> startImages = new HashMap<>();

    Generate(
        ModelSpec spec,
        OutputFolder folder,
        Fault fault,
        boolean resume,
        Iterator<ImageTask> tasks) {
      this.tasks = tasks;
      this.folder = folder;
      this.fault = fault;
      this.resume = resume;
      this.model = ExecutorDiffusion.get(spec);
      this.task = TaskContext.get();
      this.attempt =
          task == null
              ? "driver"
              : task.stageId() + "-" + task.partitionId() + "-" + task.taskAttemptId();
    }

    @Override
    public boolean hasNext() {
      return tasks.hasNext();
    }

    @Override
    public Row next() {
      ImageTask t = tasks.next();
      BatchRequest r = t.request;
      long seed = ImageSeeds.of(r.seed(), t.index);
      long begin = System.nanoTime();
      long cpuBegin = CPU.getCurrentThreadCpuTime();
      try {
        Denoiser d = model.diffusion().denoiser();
        ValueRange range = d.valueRange();
        String path = OutputFolder.imagePath(r.id(), t.index);
        // 1. resume: an earlier run's image, if whole, is kept without running the model
        byte[] kept = resume ? folder.readWholeImage(path, d.sampleShape()) : null;
        byte[] png = kept;
        if (kept == null) {
          // 2. generate and write it
          Tensor startImage =
              r.image() == null
                  ? null
                  : startImages.computeIfAbsent(
                      r.image(), k -> folder.readImage(k, d.sampleShape()[0], d.valueRange()));
          Generation g = r.pipeline(model.diffusion(), startImage).samples(1).seed(seed).generate();
          png = OutputFolder.png(g.images(), range);
          folder.writeAtomically(
              path,
              png,
              attempt,
              () -> {
                if (fault != null) {
                  fault.beforeRename(task, r.id(), t.index);
                }
              });
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        double cpuSeconds = (CPU.getCurrentThreadCpuTime() - cpuBegin) / 1e9;
        return RowFactory.create(
            r.id(),
            t.index,
            seed,
            path,
            seconds,
            model.device(),
            null,
            null,
            cpuSeconds,
            (long) png.length,
            OutputFolder.sha256(png),
            kept != null);
      } catch (IllegalArgumentException e) {
        return RowFactory.create(
            r.id(),
            t.index,
            seed,
            null,
            0.0,
            model.device(),
            e.getMessage(),
            r.toString(),
            0.0,
            0L,
            null,
            false);
      }
    }
  }
}
