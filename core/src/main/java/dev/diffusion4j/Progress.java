package dev.diffusion4j;

/**
 * Where a run is: sent to the progress callback ({@link AbstractPipeline#progress}) after every
 * step, on the thread that runs the pipeline. {@link ConsoleProgress} is a ready display.
 *
 * @param step the number of steps done, from 1
 * @param totalSteps the number of steps of the run
 * @param timestep the timestep the sample now stands at (0 after the last step)
 */
public record Progress(int step, int totalSteps, int timestep) {}
