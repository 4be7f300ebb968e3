package dev.diffusion4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on this machine, each daemon its own JVM started from the Spark jars
 * Maven resolved (no Spark download): a master and workers bound to 127.0.0.1 on free ports, and
 * {@code spark-submit} ({@code org.apache.spark.deploy.SparkSubmit}) in a child JVM. The jars are
 * linked into a {@code SPARK_HOME/jars} folder of its own, without the job's dependencies (core,
 * ONNX Runtime, picocli), so that the executors get those from the submitted bundle only.
 *
 * <p>{@link #close()} kills every process it started, with their children (the executors), and is
 * idempotent; a shutdown hook calls it too if the JVM exits first. Not thread-safe.
 */
final class StandaloneCluster implements AutoCloseable {

  /** Memory of a worker ({@code --memory}) and of an executor ({@code spark.executor.memory}). */
  static final String WORKER_MEMORY = "1g";

  static final String EXECUTOR_MEMORY = "512m";

  /** How long a daemon may take to start on a busy machine. */
  static final Duration START = Duration.ofMinutes(3);

  private final Path dir;
  private final Path home;
  private final List<String> jvmOptions;
  private final List<Process> processes = new ArrayList<>();
  private final List<Process> workers = new ArrayList<>();
  private final Thread hook = new Thread(this::close, "standalone-cluster-stop");
  private String masterUrl;
  private boolean closed;

  /**
   * Prepares a cluster in a folder; starts nothing.
   *
   * @param dir holds SPARK_HOME, the logs and the workers' work folders
   * @param classpathFile the module's {@code target/classpath.txt}
   */
  StandaloneCluster(Path dir, Path classpathFile) throws IOException {
    this.dir = dir;
    this.home = dir.resolve("spark-home");
    Path jars = Files.createDirectories(home.resolve("jars"));
    for (String entry : Files.readString(classpathFile).trim().split(java.io.File.pathSeparator)) {
      Path jar = Path.of(entry);
      String name = jar.getFileName().toString();
      boolean job =
          name.startsWith("diffusion4j-")
              || name.startsWith("onnxruntime")
              || name.startsWith("picocli");
      if (!job && name.endsWith(".jar") && !Files.exists(jars.resolve(name))) {
        Files.createSymbolicLink(jars.resolve(name), jar.toAbsolutePath());
      }
    }
    Files.createDirectories(dir.resolve("logs"));
    this.jvmOptions = java17Options();
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** The master's URL, {@code spark://127.0.0.1:PORT}. */
  String masterUrl() {
    return masterUrl;
  }

  /**
   * Starts the master and waits until it is up.
   *
   * @return this
   */
  StandaloneCluster startMaster() throws IOException, InterruptedException {
    int port = freePort();
    Path log = dir.resolve("logs/master.log");
    processes.add(
        start(
            log,
            List.of(
                "-Xmx256m",
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--webui-port",
                "0")));
    masterUrl = "spark://127.0.0.1:" + port;
    awaitLine(log, "I have been elected leader");
    return this;
  }

  /**
   * Starts a worker of one core and {@value #WORKER_MEMORY} and waits until the master has it.
   *
   * @return the worker's process (its executors are its children)
   */
  Process startWorker() throws IOException, InterruptedException {
    int n = workers.size();
    Path log = dir.resolve("logs/worker-" + n + ".log");
    Path work = Files.createDirectories(dir.resolve("work-" + n));
    Process p =
        start(
            log,
            List.of(
                "-Xmx256m",
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--webui-port",
                "0",
                "--cores",
                "1",
                "--memory",
                WORKER_MEMORY,
                "--work-dir",
                work.toString(),
                masterUrl));
    processes.add(p);
    workers.add(p);
    awaitLine(log, "Successfully registered with master");
    return p;
  }

  /** The workers started, in order. */
  List<Process> workers() {
    return List.copyOf(workers);
  }

  /**
   * Runs {@code spark-submit} in a child JVM (client mode: the driver runs in it) and waits for it.
   *
   * @param master the master URL, or {@code local[N]}
   * @param name names the log file
   * @param submitArgs spark-submit's own options, before the jar
   * @param jar the application jar
   * @param appArgs the job's arguments
   * @param timeout how long it may run before it is killed
   * @return the exit code and the log
   */
  Submitted submit(
      String master,
      String name,
      List<String> submitArgs,
      Path jar,
      List<String> appArgs,
      Duration timeout)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>();
    args.add("-Xmx512m");
    args.add("org.apache.spark.deploy.SparkSubmit");
    args.addAll(List.of("--master", master, "--deploy-mode", "client"));
    args.addAll(List.of("--class", "dev.diffusion4j.spark.Main"));
    for (String c :
        List.of(
            "spark.ui.enabled=false",
            "spark.driver.host=127.0.0.1",
            "spark.driver.bindAddress=127.0.0.1",
            "spark.driver.memory=512m",
            "spark.executor.memory=" + EXECUTOR_MEMORY,
            "spark.executor.cores=1",
            "spark.executor.extraJavaOptions=" + String.join(" ", jvmOptions))) {
      args.addAll(List.of("--conf", c));
    }
    args.addAll(submitArgs);
    args.add(jar.toString());
    args.addAll(appArgs);
    Path log = dir.resolve("logs/submit-" + name + ".log");
    Process p = start(log, args);
    processes.add(p);
    boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      kill(p);
      throw new IllegalStateException(
          "spark-submit " + name + " ran past " + timeout + "; its log:\n" + tail(log));
    }
    return new Submitted(p.exitValue(), Files.readString(log));
  }

  /** What a {@code spark-submit} run ended with. */
  record Submitted(int exitCode, String log) {}

  /**
   * Kills a process and every process under it at once ({@code SIGKILL}), as a machine that fails.
   *
   * @param p the process
   */
  static void kill(Process p) throws InterruptedException {
    List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
    tree.add(p.toHandle());
    tree.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle h : tree) {
      h.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> h).join();
    }
  }

  /** The {@code stderr} of every executor the workers ran: {@code work-N/APP/EXEC/stderr}. */
  List<Path> executorLogs() throws IOException {
    List<Path> logs = new ArrayList<>();
    for (int i = 0; i < workers.size(); i++) {
      Path work = dir.resolve("work-" + i);
      try (Stream<Path> s = Files.walk(work, 3)) {
        s.filter(p -> p.getFileName().toString().equals("stderr")).forEach(logs::add);
      }
    }
    logs.sort(Comparator.naturalOrder());
    return logs;
  }

  /** Stops every process started, children first. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Process p : processes) {
      try {
        kill(p);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // called from the hook itself
    }
  }

  private Process start(Path log, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(home.resolve("jars") + "/*");
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("SPARK_HOME", home.toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_LOCAL_DIRS", Files.createDirectories(dir.resolve("local")).toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.remove("SPARK_CONF_DIR");
    env.remove("HADOOP_CONF_DIR");
    return pb.start();
  }

  private void awaitLine(Path log, String line) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START.toNanos();
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(line)) {
        return;
      }
      for (Process p : processes) {
        if (!p.isAlive()) {
          throw new IllegalStateException(
              "a Spark daemon exited with " + p.exitValue() + "; " + log + ":\n" + tail(log));
        }
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "no '" + line + "' in " + log + " after " + START + ":\n" + tail(log));
  }

  static String tail(Path log) {
    try {
      String s = Files.readString(log);
      return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * The options a Java 17 JVM needs to run Spark: those this JVM was started with (the module's
   * {@code spark.java17.opens}, surefire's argLine), so that the child JVMs get the same.
   */
  private static List<String> java17Options() {
    List<String> options = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens")
          || a.equals("-XX:+IgnoreUnrecognizedVMOptions")
          || a.startsWith("-Djdk.reflect.useDirectMethodHandle")) {
        options.add(a);
      }
    }
    if (options.stream().noneMatch(a -> a.startsWith("--add-opens"))) {
      throw new IllegalStateException(
          "start this JVM with the module's spark.java17.opens (the child JVMs need them): "
              + ManagementFactory.getRuntimeMXBean().getInputArguments());
    }
    return options;
  }
}
