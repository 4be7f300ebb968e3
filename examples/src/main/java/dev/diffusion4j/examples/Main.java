package dev.diffusion4j.examples;

import dev.diffusion4j.Messages;
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
    footer = {
      "",
      "Models and data: " + ExampleData.HOW,
      "",
      "Files: every command writes one file per sample as <name>-<index>.png (sample-0.png,"
          + " digit7-0.png, anagram-0.png; the library's Generation.DEFAULT_PATTERN) and its figures"
          + " under their own names.",
      "",
      "Progress: redrawn in place on a terminal, a line per tenth of a run when piped."
    },
    subcommands = {
      Showcase.class,
      Generate.class,
      MnistSample.class,
      DenoiserEvaluation.class,
      BlurBenchmark.class,
      MnistBenchmark.class,
      Serve.class,
      IFBenchmark.class
    })
public final class Main implements java.util.concurrent.Callable<Integer> {

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
    // bad usage: one error line and where to find help, not the whole usage after it
    cmd.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine line = ex.getCommandLine();
          line.getErr().println("error: " + Messages.singleLine(ex.getMessage()));
          line.getErr()
              .println(
                  "(run " + line.getCommandSpec().qualifiedName() + " --help for the options)");
          return 2;
        });
    cmd.setExecutionExceptionHandler(
        (ex, line, parsed) -> {
          if (ex instanceof IllegalArgumentException || ex instanceof IllegalStateException) {
            line.getErr().println("error: " + Messages.singleLine(ex.getMessage()));
            return 2;
          }
          if (ex instanceof dev.diffusion4j.DiffusionException
              || ex instanceof java.io.UncheckedIOException) {
            // a runtime failure (CUDA not usable, a model that returns NaN, a full disk): the
            // message names the culprit; the stack trace would only bury it
            line.getErr().println("error: " + Messages.singleLine(ex.getMessage()));
            return 1;
          }
          throw ex;
        });
    return cmd;
  }

  /** Without a subcommand: prints the usage on stderr and exits 2, as for any other bad usage. */
  @Override
  public Integer call() {
    CommandLine cmd = spec.commandLine();
    cmd.usage(cmd.getErr());
    cmd.getErr().println("error: a subcommand is required");
    return 2;
  }

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;
}
