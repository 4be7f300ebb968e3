package dev.diffusion4j;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A ready progress display for {@link AbstractPipeline#progress}: one line per run that shows the
 * step, the share done, the time spent and an estimate of the time left.
 *
 * <pre>{@code
 * diffusion.pipeline().label(7).progress(ConsoleProgress.toStandardError()).generate();
 * // step 150/300 (t = 150)  50%  4.1 s, about 4.1 s left
 * }</pre>
 *
 * <p>On an interactive console the line is redrawn in place ({@code \r}); otherwise (a log file, a
 * CI log) a line is printed at every tenth of the run, so a log stays short. The clock starts at
 * the first step reported, or at the first step after the run starts again (step 1). Not
 * thread-safe: give each concurrent run its own instance.
 */
public final class ConsoleProgress implements Consumer<Progress> {

  private final PrintStream out;
  private final boolean redraw;
  private final String label;
  private long started;
  private int lastTenth = -1;
  private int lastLength;

  private ConsoleProgress(PrintStream out, boolean redraw, String label) {
    this.out = out;
    this.redraw = redraw;
    this.label = label;
  }

  /**
   * A display on standard error, redrawn in place when the program runs on a console.
   *
   * @return a new display
   */
  public static ConsoleProgress toStandardError() {
    return new ConsoleProgress(System.err, System.console() != null, "");
  }

  /**
   * A display on any stream.
   *
   * @param out where to print. Not closed.
   * @param redraw {@code true} to redraw one line in place, {@code false} to print a line at every
   *     tenth of the run
   * @return a new display
   */
  public static ConsoleProgress to(PrintStream out, boolean redraw) {
    if (out == null) {
      throw new IllegalArgumentException("out must not be null");
    }
    return new ConsoleProgress(out, redraw, "");
  }

  /**
   * Returns a display like this one whose lines start with a label (which run is reporting).
   *
   * @param label the label, e.g. {@code "sevens"}
   * @return a new display
   */
  public ConsoleProgress labelled(String label) {
    if (label == null) {
      throw new IllegalArgumentException("label must not be null");
    }
    return new ConsoleProgress(out, redraw, label.isEmpty() ? "" : label + ": ");
  }

  @Override
  public void accept(Progress p) {
    long now = System.nanoTime();
    if (p.step() <= 1 || started == 0) {
      started = now;
      lastTenth = -1;
    }
    int tenth = p.totalSteps() == 0 ? 10 : 10 * p.step() / p.totalSteps();
    boolean last = p.step() >= p.totalSteps();
    if (!redraw && tenth == lastTenth && !last) {
      return;
    }
    lastTenth = tenth;
    double spent = (now - started) / 1e9;
    double left = p.step() <= 1 ? Double.NaN : spent / (p.step() - 1) * (p.totalSteps() - p.step());
    String line =
        String.format(
            Locale.ROOT,
            "%sstep %d/%d (t = %d) %3d%%  %.1f s%s",
            label,
            p.step(),
            p.totalSteps(),
            p.timestep(),
            100 * p.step() / Math.max(1, p.totalSteps()),
            spent,
            last || Double.isNaN(left)
                ? ""
                : String.format(Locale.ROOT, ", about %.1f s left", left));
    if (redraw) {
      String pad = " ".repeat(Math.max(0, lastLength - line.length()));
      lastLength = line.length();
      out.print("\r" + line + pad + (last ? System.lineSeparator() : ""));
    } else {
      out.println(line);
    }
    out.flush();
  }
}
