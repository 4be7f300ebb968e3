/**
 * diffusion4j: diffusion models on ONNX Runtime behind a fluent API.
 *
 * <p>{@link dev.diffusion4j.Diffusion} owns the models and hands out {@link
 * dev.diffusion4j.Pipeline}s; one denoising loop serves every technique (sampling with
 * classifier-free guidance, SDEdit, translation, inpainting, visual anagrams, hybrid images, stage
 * II upsampling):
 *
 * <pre>{@code
 * try (Diffusion diffusion = Diffusion.mnist()) { // the shipped class model (the models jar)
 *   Generation g = diffusion.pipeline().label(7).guidance(5).steps(50).samples(4).seed(42).generate();
 *   g.save(Path.of("sevens"));
 *   List<BufferedImage> anagram = diffusion.pipeline().label(6)
 *       .anagram(Condition.label(9), View.ROT180).steps(50).generate().toBufferedImages();
 * }
 * }</pre>
 *
 * <p>{@link dev.diffusion4j.Pipeline} runs the base model, {@link dev.diffusion4j.Upscaler} the
 * super-resolution stage of DeepFloyd IF; both freeze into a {@link dev.diffusion4j.Request} and
 * return a {@link dev.diffusion4j.Generation}. {@link dev.diffusion4j.MnistModels} opens the
 * shipped MNIST models; {@link dev.diffusion4j.ConsoleProgress} shows a run's progress.
 *
 * <p>Bad arguments throw {@link java.lang.IllegalArgumentException} naming the parameter and the
 * value; use after close throws {@link java.lang.IllegalStateException}; failures inside ONNX
 * Runtime throw {@link dev.diffusion4j.DiffusionException} with the cause kept.
 */
package dev.diffusion4j;
