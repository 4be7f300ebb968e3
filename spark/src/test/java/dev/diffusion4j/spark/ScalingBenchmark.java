package dev.diffusion4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures how the job scales: the same requests with {@code local[1]} and {@code local[2]}, then
 * on a standalone cluster of one and of two workers (one core each), every run through {@code
 * spark-submit} with the bundle, into a fresh folder. Prints images/s, the ratios, the CPU-seconds
 * a digit and the cost of a million digits, with the load average ({@code /proc/loadavg}) before
 * and after each run: on a machine that other work shares, the rates measure the machine, not the
 * job. Not a test; run it with {@code spark/bench-scaling.sh} (its comment has the command).
 *
 * <pre>
 * ScalingBenchmark [DIGITS [SAMPLER STEPS [DDPM_DIGITS]]]   defaults: 40 dpm++ 20 4
 * (digits spread over the ten classes, the first classes getting one more)
 * </pre>
 */
public final class ScalingBenchmark {

  private static final Pattern RESULT =
      Pattern.compile(
          "(\\d+) images \\(\\d+ kept from an earlier run\\), (\\d+) errors in ([0-9.]+) s on"
              + " \\S+: ([0-9.]+) images/s; per image in a task: ([0-9.]+) s, ([0-9.]+) s of CPU");

  private ScalingBenchmark() {}

  /** One run's figures. */
  record Run(
      String setup, String loadBefore, String loadAfter, int images, double seconds, double cpu) {
    double rate() {
      return images / seconds;
    }
  }

  /**
   * Runs the benchmark.
   *
   * @param args digits (a multiple of 10), sampler, steps, digits of the DDPM-300 run
   */
  public static void main(String[] args) throws Exception {
    int digits = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    String sampler = args.length > 1 ? args[1] : "dpm++";
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int ddpmDigits = args.length > 3 ? Integer.parseInt(args[3]) : 4;
    Path target = Path.of("spark/target");
    Path dir = Files.createDirectories(target.resolve("bench-scaling"));
    Path bundle = target.resolve("diffusion4j-spark-bundle.jar");
    Path model = Path.of("testdata/models/mnist/class-epoch20.onnx").toAbsolutePath();
    Path requests = requests(dir.resolve("requests.csv"), digits, sampler, steps);
    System.out.printf(
        Locale.ROOT,
        "%s; %d cores; %d digits, %s %d steps, guidance 5, one intra-op thread a task%n",
        cpu(),
        Runtime.getRuntime().availableProcessors(),
        digits,
        sampler,
        steps);

    List<Run> runs = new ArrayList<>();
    for (String local : List.of("local[1]", "local[2]")) {
      try (StandaloneCluster c = cluster(dir, local.replaceAll("\\W", ""))) {
        runs.add(run(c, local, local, requests, model, bundle, dir));
      }
    }
    for (int workers = 1; workers <= 2; workers++) {
      try (StandaloneCluster c = cluster(dir, "workers" + workers).startMaster()) {
        for (int i = 0; i < workers; i++) {
          c.startWorker();
        }
        runs.add(
            run(
                c,
                workers + (workers == 1 ? " worker" : " workers"),
                c.masterUrl(),
                requests,
                model,
                bundle,
                dir,
                "--conf",
                "spark.cores.max=" + workers,
                "--conf",
                "spark.scheduler.minRegisteredResourcesRatio=1.0"));
      }
    }
    Run ddpm;
    Path ddpmRequests = requests(dir.resolve("requests-ddpm.csv"), ddpmDigits, "ddpm", 300);
    try (StandaloneCluster c = cluster(dir, "ddpm")) {
      ddpm = run(c, "local[1], ddpm 300", "local[1]", ddpmRequests, model, bundle, dir);
    }

    System.out.println();
    System.out.println(
        "| setup | load average (before, after) | digits | job time | images/s | CPU-s a digit |");
    System.out.println("|---|---|---|---|---|---|");
    for (Run r : runs) {
      row(r);
    }
    row(ddpm);
    System.out.printf(
        Locale.ROOT,
        "%nlocal[2] / local[1]: %.2fx; 2 workers / 1 worker: %.2fx (two free cores would give 2x)%n",
        runs.get(1).rate() / runs.get(0).rate(),
        runs.get(3).rate() / runs.get(2).rate());
    double fast = runs.get(0).cpu();
    System.out.printf(
        Locale.ROOT,
        "a million digits: %s %d: %.0f core-hours (%.3f CPU-s a digit, local[1]);"
            + " ddpm 300: %.0f core-hours (%.3f CPU-s a digit)%n",
        sampler,
        steps,
        fast * 1e6 / 3600,
        fast,
        ddpm.cpu() * 1e6 / 3600,
        ddpm.cpu());
  }

  private static void row(Run r) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %s, %s | %d | %.1f s | %.3f | %.3f |%n",
        r.setup(),
        r.loadBefore(),
        r.loadAfter(),
        r.images(),
        r.seconds(),
        r.rate(),
        r.cpu());
  }

  private static StandaloneCluster cluster(Path dir, String name) throws IOException {
    Path d = dir.resolve(name);
    deleteTree(d);
    return new StandaloneCluster(d, Path.of("spark/target/classpath.txt"));
  }

  private static Run run(
      StandaloneCluster c,
      String setup,
      String master,
      Path requests,
      Path model,
      Path bundle,
      Path dir,
      String... conf)
      throws Exception {
    Path out = dir.resolve("out-" + setup.replaceAll("\\W", ""));
    deleteTree(out);
    String before = loadAverage();
    List<String> submitArgs = new ArrayList<>(List.of(conf));
    submitArgs.addAll(List.of("--files", model.toString()));
    StandaloneCluster.Submitted s =
        c.submit(
            master,
            setup.replaceAll("\\W", ""),
            submitArgs,
            bundle,
            List.of(
                "--requests", requests.toAbsolutePath().toString(),
                "--model", model.getFileName().toString(),
                "--out", out.toAbsolutePath().toString()),
            Duration.ofMinutes(60));
    String after = loadAverage();
    Matcher m = RESULT.matcher(s.log());
    if (s.exitCode() != 0 || !m.find()) {
      throw new IllegalStateException(setup + " failed (" + s.exitCode() + "):\n" + s.log());
    }
    Run r =
        new Run(
            setup,
            before,
            after,
            Integer.parseInt(m.group(1)),
            Double.parseDouble(m.group(3)),
            Double.parseDouble(m.group(6)));
    System.out.printf(Locale.ROOT, "%s: %s (load %s -> %s)%n", setup, m.group(), before, after);
    return r;
  }

  /**
   * Digits spread over the classes: class {@code d} gets {@code digits / 10}, one more if below.
   */
  private static Path requests(Path csv, int digits, String sampler, int steps) throws IOException {
    if (digits < 1) {
      throw new IllegalArgumentException("digits must be >= 1, but is: " + digits);
    }
    StringBuilder s = new StringBuilder("id,label,guidance,sampler,steps,seed,count\n");
    for (int d = 0; d < 10; d++) {
      int count = digits / 10 + (d < digits % 10 ? 1 : 0);
      if (count > 0) {
        s.append(
            String.format(
                Locale.ROOT, "digit-%d,%d,5,%s,%d,%d,%d%n", d, d, sampler, steps, d, count));
      }
    }
    return Files.writeString(csv, s);
  }

  /** The 1, 5 and 15 minute load averages. */
  static String loadAverage() throws IOException {
    String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
    return f[0] + "/" + f[1] + "/" + f[2];
  }

  private static String cpu() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).trim();
      }
    }
    return "unknown CPU";
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
