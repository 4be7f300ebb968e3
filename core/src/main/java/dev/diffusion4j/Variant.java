package dev.diffusion4j;

/**
 * Which rules the denoising loop follows where diffusers' DeepFloyd IF pipelines and the write-up
 * (CS180 Project 5, "Fun with Diffusion Models") differ. Set per run with {@link
 * Pipeline#variant(Variant)}; the default is {@link #DIFFUSERS}.
 *
 * <table>
 *   <caption>What each variant does</caption>
 *   <tr><th>rule</th><th>{@link #DIFFUSERS} (default)</th><th>{@link #STUDY}</th></tr>
 *   <tr><td>last step</td><td>a UNet pass at every timestep of the list, {@code t = 0}
 *       included; that pass goes to the clean image and returns {@code x0_hat}</td><td>ends at
 *       the sample of the list's last timestep (N timesteps, N - 1 passes)</td></tr>
 *   <tr><td>{@code x0_hat}</td><td>thresholded or clipped as the model's scheduler config says
 *       (IF's {@code config.json})</td><td>neither thresholded nor clipped</td></tr>
 *   <tr><td>guidance</td><td>classifier-free guidance only when the scale is above 1; otherwise
 *       one conditional pass</td><td>guidance whenever the scale is not 1</td></tr>
 *   <tr><td>stage II noise</td><td>the starting noise first, then the noise of the upscaled
 *       image</td><td>the noise of the upscaled image first</td></tr>
 * </table>
 *
 * <p>{@link #DIFFUSERS} gives what diffusers' {@code IFPipeline} and {@code
 * IFSuperResolutionPipeline} (v0.27.2) give for the same embeddings, timesteps, guidance and noise.
 * {@link #STUDY} is the loop of the write-up's part A, which the showcase's part A sections use. On
 * part B's MNIST UNets only the guidance rule tells the two apart: their linear schedule's timestep
 * 0 is the clean image, so the last step already is diffusers' pass from {@code t = 0} (part B's
 * {@code t} is diffusers' {@code t - 1}), and they have no scheduler config that thresholds or
 * clips.
 */
public enum Variant {
  /** diffusers' IF pipelines: every rule of the left column. */
  DIFFUSERS,
  /** The write-up's loop (part A): every rule of the right column. */
  STUDY
}
