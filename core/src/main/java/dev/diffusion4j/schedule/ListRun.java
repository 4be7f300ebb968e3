package dev.diffusion4j.schedule;

/**
 * What every scheduler's {@link Scheduler.Run} holds alike, kept once: its list of timesteps (the
 * library's indexing) and the timestep its last step ends at. Each scheduler's run adds its step.
 */
abstract class ListRun implements Scheduler.Run {

  /** The run's timesteps, the library's indexing; not handed out (see {@link #timesteps()}). */
  final int[] timesteps;

  private final int finalTimestep;

  ListRun(int[] timesteps, int finalTimestep) {
    this.timesteps = timesteps;
    this.finalTimestep = finalTimestep;
  }

  @Override
  public final int[] timesteps() {
    return timesteps.clone();
  }

  @Override
  public final int numInferenceSteps() {
    return timesteps.length;
  }

  @Override
  public final int finalTimestep() {
    return finalTimestep;
  }
}
