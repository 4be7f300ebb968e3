/**
 * Images in and out of tensors, and the filters and masks of the techniques: {@link
 * dev.diffusion4j.image.GaussianBlur} (torchvision-identical low and high pass), {@link
 * dev.diffusion4j.image.Mask} (the RePaint projection), {@link dev.diffusion4j.image.Images},
 * {@link dev.diffusion4j.image.ImageGrid}, {@link dev.diffusion4j.image.AnimatedGif}, {@link
 * dev.diffusion4j.image.MnistDigits}.
 *
 * <pre>{@code
 * Tensor img = Images.readRgb(Path.of("photo.jpg"), ValueRange.MINUS_ONE_TO_ONE);
 * Tensor low = new GaussianBlur(33, 2).lowPass(img);
 * }</pre>
 */
package dev.diffusion4j.image;
