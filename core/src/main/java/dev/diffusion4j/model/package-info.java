/**
 * Models behind the {@link dev.diffusion4j.model.Denoiser} contract, as ONNX Runtime sessions
 * checked against their contract at load: part B's {@link dev.diffusion4j.model.MnistUNet} and
 * {@link dev.diffusion4j.model.MnistDenoiser}, DeepFloyd IF's {@link dev.diffusion4j.model.IFUNet};
 * and where they run ({@link dev.diffusion4j.model.Device}, {@link
 * dev.diffusion4j.model.SessionSettings}).
 *
 * <pre>{@code
 * try (MnistUNet unet = MnistUNet.classConditioned(Path.of("class-epoch20.onnx"),
 *     SessionSettings.on(Device.cpu()))) {
 *   Prediction p = unet.predict(Tensor.zeros(1, 1, 28, 28), new int[] {300}, MnistUNet.oneHot(3));
 * }
 * }</pre>
 */
package dev.diffusion4j.model;
