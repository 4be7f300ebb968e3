package dev.diffusion4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class of the test classpath in a child JVM, so that a case that could crash native
 * code (SIGSEGV, SIGFPE, a Rust panic) fails a test instead of killing the build's JVM.
 */
public final class ForkedJvm {

  private ForkedJvm() {}

  /**
   * The outcome of a child JVM.
   *
   * @param exitCode its exit status (134 or 139 for a native abort, -1 when it was killed after the
   *     timeout)
   * @param output its stdout and stderr together
   */
  public record Result(int exitCode, String output) {}

  /**
   * Runs {@code mainClass} with the test classpath.
   *
   * @param mainClass the class
   * @param jvmOptions options such as {@code -Xmx256m}
   * @param timeoutSeconds how long to wait before killing it
   * @param args the program arguments
   * @return the outcome
   */
  public static Result run(
      Class<?> mainClass, List<String> jvmOptions, int timeoutSeconds, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass.getName());
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      StringBuilder out = new StringBuilder();
      Thread reader =
          new Thread(
              () -> {
                try {
                  out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                  out.append(e);
                }
              });
      reader.start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        reader.join(5000);
        return new Result(-1, out + "\n(killed after " + timeoutSeconds + " s)");
      }
      reader.join(5000);
      return new Result(p.exitValue(), out.toString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
