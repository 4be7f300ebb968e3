package dev.diffusion4j.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The examples jar: one subcommand per section of the write-up, and the showcase.
 *
 * <pre>{@code
 * java -jar examples/target/diffusion4j-examples.jar --help
 * }</pre>
 */
@Command(
    name = "diffusion4j-examples",
    mixinStandardHelpOptions = true,
    version = "diffusion4j examples 0.2.0-SNAPSHOT",
    description = "Runs the diffusion4j examples.",
    subcommands = {
      Showcase.class,
      MnistSample.class,
      DenoiserEvaluation.class,
      BlurBenchmark.class,
      MnistBenchmark.class
    })
public final class Main implements Runnable {

  /**
   * Runs the command line.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * Returns the command line with an error handler that prints bad-argument messages without a
   * stack trace.
   *
   * @return the configured command line
   */
  static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Main());
    for (Class<?> section : Showcase.sectionCommands()) {
      cmd.addSubcommand(section);
    }
    cmd.setExecutionExceptionHandler(
        (ex, line, parsed) -> {
          if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException) {
            line.getErr().println("error: " + ex.getMessage());
            return 2;
          }
          throw ex;
        });
    return cmd;
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
