package dev.diffusion4j.examples;

import dev.diffusion4j.Sampler;
import java.util.Iterator;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code --sampler} option of the subcommands that sample: a short name of {@link Sampler}'s
 * table ({@link Sampler#cliNames()}), {@code ddpm} by default.
 */
final class SamplerOption {

  @Option(
      names = "--sampler",
      defaultValue = "ddpm",
      converter = Names.class,
      completionCandidates = Names.class,
      description =
          "one of ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}); --steps is its number of"
              + " UNet passes, at its own timesteps.")
  Sampler sampler = Sampler.DDPM;

  /**
   * Reads a sampler's short name, refusing any other with the list of valid ones, and lists the
   * names for the help text.
   */
  static final class Names implements ITypeConverter<Sampler>, Iterable<String> {
    @Override
    public Sampler convert(String value) {
      try {
        return Sampler.fromName(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }

    @Override
    public Iterator<String> iterator() {
      return Sampler.cliNames().iterator();
    }
  }
}
