package dev.diffusion4j.examples;

import dev.diffusion4j.Sampler;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The {@code --sampler} option of the subcommands that sample: ddpm (default), ddim or dpm++. */
final class SamplerOption {

  @Option(
      names = "--sampler",
      defaultValue = "ddpm",
      converter = Names.class,
      description =
          "ddpm, ddim or dpm++ (default ${DEFAULT-VALUE}); ddim and dpm++ run their own"
              + " timesteps, as many as the run's steps.")
  Sampler sampler = Sampler.DDPM;

  /** Reads a sampler's short name, refusing any other with the list of valid ones. */
  static final class Names implements ITypeConverter<Sampler> {
    @Override
    public Sampler convert(String value) {
      try {
        return Sampler.fromName(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
