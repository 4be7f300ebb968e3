package dev.diffusion4j.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes an animated, looping GIF from a list of frames with the JDK's own GIF writer (for example
 * the intermediate images of a denoising run).
 *
 * <p>Stateless and thread-safe.
 */
public final class AnimatedGif {

  private AnimatedGif() {}

  /**
   * Writes the frames as a looping animation.
   *
   * @param frames the frames, all of one size. Not modified.
   * @param delayMillis the time each frame shows, at least 10 ms (GIF counts in hundredths)
   * @param lastFrameDelayMillis how long the last frame shows before the loop restarts
   * @param path the .gif file to write; parent folders are created
   * @throws IllegalArgumentException for no frames, a null frame, frames of different sizes (GIF
   *     would show the smaller ones in a corner of the first one's canvas) or a delay under 10 ms
   * @throws UncheckedIOException if the file cannot be written
   */
  public static void write(
      List<BufferedImage> frames, int delayMillis, int lastFrameDelayMillis, Path path) {
    if (frames == null || frames.isEmpty()) {
      throw new IllegalArgumentException("frames must hold at least one image, but is empty");
    }
    if (delayMillis < 10 || lastFrameDelayMillis < 10) {
      throw new IllegalArgumentException(
          "delays must be >= 10 ms, but are: " + delayMillis + ", " + lastFrameDelayMillis);
    }
    int[] delays = new int[frames.size()];
    java.util.Arrays.fill(delays, delayMillis);
    delays[delays.length - 1] = lastFrameDelayMillis;
    write(frames, delays, path);
  }

  /**
   * Writes the frames as a looping animation, each shown for its own time (a held frame is one
   * frame with a long delay).
   *
   * @param frames the frames, all of one size. Not modified.
   * @param delaysMillis one delay per frame, each at least 10 ms
   * @param path the .gif file to write; parent folders are created
   * @throws IllegalArgumentException for no frames, a null frame, frames of different sizes, or
   *     delays that do not fit
   * @throws UncheckedIOException if the file cannot be written
   */
  public static void write(List<BufferedImage> frames, int[] delaysMillis, Path path) {
    if (frames == null || frames.isEmpty()) {
      throw new IllegalArgumentException("frames must hold at least one image, but is empty");
    }
    if (delaysMillis == null || delaysMillis.length != frames.size()) {
      throw new IllegalArgumentException(
          "delaysMillis must hold one delay per frame ("
              + frames.size()
              + "), but holds: "
              + (delaysMillis == null ? "null" : delaysMillis.length));
    }
    for (int i = 0; i < delaysMillis.length; i++) {
      if (delaysMillis[i] < 10) {
        throw new IllegalArgumentException(
            "delaysMillis[" + i + "] must be >= 10 ms, but is: " + delaysMillis[i]);
      }
    }
    if (path == null) {
      throw new IllegalArgumentException("path must not be null");
    }
    BufferedImage first = frames.get(0);
    for (int i = 0; i < frames.size(); i++) {
      BufferedImage frame = frames.get(i);
      if (frame == null) {
        throw new IllegalArgumentException("frames must not hold null, but frame " + i + " is");
      }
      if (frame.getWidth() != first.getWidth() || frame.getHeight() != first.getHeight()) {
        throw new IllegalArgumentException(
            "frames must all have one size, but frame 0 is "
                + first.getWidth()
                + "x"
                + first.getHeight()
                + " and frame "
                + i
                + " is "
                + frame.getWidth()
                + "x"
                + frame.getHeight());
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.deleteIfExists(path);
      try (ImageOutputStream out = ImageIO.createImageOutputStream(path.toFile())) {
        writer.setOutput(out);
        writer.prepareWriteSequence(null);
        for (int i = 0; i < frames.size(); i++) {
          BufferedImage frame = toRgb(frames.get(i));
          int delay = delaysMillis[i];
          ImageWriteParam param = writer.getDefaultWriteParam();
          IIOMetadata meta =
              writer.getDefaultImageMetadata(
                  ImageTypeSpecifier.createFromRenderedImage(frame), param);
          configure(meta, delay / 10, i == 0);
          writer.writeToSequence(new IIOImage(frame, null, meta), param);
        }
        writer.endWriteSequence();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write GIF " + path + ": " + e.getMessage(), e);
    } finally {
      writer.dispose();
    }
  }

  private static BufferedImage toRgb(BufferedImage img) {
    if (img.getType() == BufferedImage.TYPE_INT_RGB) {
      return img;
    }
    BufferedImage rgb =
        new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
    rgb.getGraphics().drawImage(img, 0, 0, null);
    return rgb;
  }

  private static void configure(IIOMetadata meta, int delayHundredths, boolean first)
      throws IOException {
    String format = meta.getNativeMetadataFormatName();
    IIOMetadataNode root = (IIOMetadataNode) meta.getAsTree(format);
    IIOMetadataNode gce = child(root, "GraphicControlExtension");
    gce.setAttribute("disposalMethod", "none");
    gce.setAttribute("userInputFlag", "FALSE");
    gce.setAttribute("transparentColorFlag", "FALSE");
    gce.setAttribute("delayTime", Integer.toString(delayHundredths));
    gce.setAttribute("transparentColorIndex", "0");
    if (first) {
      IIOMetadataNode apps = child(root, "ApplicationExtensions");
      IIOMetadataNode app = new IIOMetadataNode("ApplicationExtension");
      app.setAttribute("applicationID", "NETSCAPE");
      app.setAttribute("authenticationCode", "2.0");
      app.setUserObject(new byte[] {1, 0, 0}); // loop forever
      apps.appendChild(app);
    }
    meta.setFromTree(format, root);
  }

  private static IIOMetadataNode child(IIOMetadataNode root, String name) {
    for (int i = 0; i < root.getLength(); i++) {
      if (root.item(i).getNodeName().equalsIgnoreCase(name)) {
        return (IIOMetadataNode) root.item(i);
      }
    }
    IIOMetadataNode node = new IIOMetadataNode(name);
    root.appendChild(node);
    return node;
  }
}
