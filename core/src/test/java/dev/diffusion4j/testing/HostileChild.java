package dev.diffusion4j.testing;

import dev.diffusion4j.model.Device;
import dev.diffusion4j.model.MnistUNet;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.noise.NoiseSource;
import java.nio.file.Path;

/**
 * The child side of the forked-JVM cases: runs one risky case and prints {@code REFUSED <exception
 * class>: <message>} when the library refuses it, or {@code ACCEPTED} when it does not. A native
 * crash shows as the child's exit status instead.
 */
public final class HostileChild {

  private HostileChild() {}

  /**
   * Runs a case.
   *
   * @param args the case name and its arguments
   */
  public static void main(String[] args) {
    try {
      switch (args[0]) {
        case "load-and-run" -> {
          try (MnistUNet unet =
              MnistUNet.timeConditioned(Path.of(args[1]), SessionSettings.on(Device.cpu()))) {
            unet.predict(NoiseSource.seeded(0).next(1, 1, 28, 28), new int[] {300}, null);
          }
        }
        default -> throw new IllegalStateException("unknown case " + args[0]);
      }
      System.out.println("ACCEPTED");
    } catch (RuntimeException e) {
      System.out.println("REFUSED " + e.getClass().getName() + ": " + e.getMessage());
    }
    System.out.flush();
  }
}
