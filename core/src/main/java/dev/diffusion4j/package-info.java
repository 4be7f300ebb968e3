/**
 * diffusion4j: diffusion models on ONNX Runtime behind a fluent API.
 *
 * <p>{@link dev.diffusion4j.Diffusion} owns the models and hands out {@link
 * dev.diffusion4j.Pipeline}s; one denoising loop serves every technique (sampling with
 * classifier-free guidance, SDEdit, translation, inpainting, visual anagrams, hybrid images, stage
 * II upsampling):
 *
 * <pre>{@code
 * try (Diffusion diffusion = Diffusion.mnist(Path.of("testdata/models/mnist/class-epoch20.onnx"))) {
 *   Generation g = diffusion.pipeline().label(7).guidance(5).steps(50).samples(4).seed(42).generate();
 *   Images.write(g.images(), 0, ValueRange.ZERO_TO_ONE, Path.of("seven.png"));
 *   Tensor anagram = diffusion.pipeline().label(6).anagram(Condition.label(9), View.ROT180)
 *       .generate().images();
 * }
 * }</pre>
 *
 * <p>Bad arguments throw {@link java.lang.IllegalArgumentException} naming the parameter and the
 * value; use after close throws {@link java.lang.IllegalStateException}; failures inside ONNX
 * Runtime throw {@link dev.diffusion4j.DiffusionException} with the cause kept.
 */
package dev.diffusion4j;
