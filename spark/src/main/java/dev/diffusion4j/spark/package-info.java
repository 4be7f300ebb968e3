/**
 * Batch generation on Apache Spark: a table of requests in, PNGs and a Parquet manifest out, the
 * same images on a cluster as in one JVM.
 *
 * <pre>{@code
 * SparkSession spark = SparkSession.builder().appName("digits").getOrCreate();
 * Dataset<Row> requests = BatchJob.readRequests(spark, "requests.csv");
 * // id,label,guidance,steps,seed,count
 * // sevens,7,5,300,42,1000
 * BatchJob.Result r =
 *     new BatchJob(ModelSpec.of("class-epoch20.onnx"), "hdfs:///digits/out").run(spark, requests);
 * }</pre>
 *
 * <p>{@link dev.diffusion4j.spark.BatchRequest} describes the request table, {@link
 * dev.diffusion4j.spark.BatchJob} the job and its guarantees, {@link
 * dev.diffusion4j.spark.ImageSeeds} how an image's seed follows from its request, {@link
 * dev.diffusion4j.spark.ModelSpec} how executors find and open the model, and {@link
 * dev.diffusion4j.spark.Main} the {@code spark-submit} entry point.
 */
package dev.diffusion4j.spark;
