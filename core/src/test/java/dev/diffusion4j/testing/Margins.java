package dev.diffusion4j.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;

/**
 * Tolerance checks that also report their margin, one line each ({@code margin NAME: measured X,
 * limit Y (Zx)}), so that a run on one CPU type can be compared with a run on another: {@code
 * .ci/run} gathers the lines from the test reports.
 */
public final class Margins {

  private Margins() {}

  /**
   * Prints the margin line and asserts {@code measured <= limit}.
   *
   * @param name what was measured
   * @param measured the measured difference
   * @param limit the largest difference allowed
   */
  public static void report(String name, double measured, double limit) {
    System.out.printf(
        Locale.ROOT,
        "margin %s: measured %.3g, limit %.3g (%s)%n",
        name,
        measured,
        limit,
        measured == 0 ? "exact" : String.format(Locale.ROOT, "%.1fx", limit / measured));
    assertThat(measured).as(name).isLessThanOrEqualTo(limit);
  }
}
