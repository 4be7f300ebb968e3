package dev.diffusion4j.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The examples jar: one subcommand per section of the study, and the showcase.
 *
 * <pre>{@code
 * java -jar examples/target/diffusion4j-examples.jar --help
 * }</pre>
 */
@Command(
    name = "diffusion4j-examples",
    mixinStandardHelpOptions = true,
    version = "diffusion4j examples 0.1.0-SNAPSHOT",
    description = "Runs the diffusion4j examples.",
    subcommands = {BlurBenchmark.class})
public final class Main implements Runnable {

  /**
   * Runs the command line.
   *
   * @param args the arguments
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
