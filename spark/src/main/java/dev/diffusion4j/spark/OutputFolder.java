package dev.diffusion4j.spark;

import dev.diffusion4j.image.Images;
import dev.diffusion4j.image.ValueRange;
import dev.diffusion4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The job's output folder, on any Hadoop file system ({@code file:}, {@code hdfs:}, {@code s3a:},
 * ...), and the one way images are written into it.
 *
 * <pre>
 * OUT/images/REQUEST_ID/000000.png   image 0 of a request (the path is a function of id and index)
 * OUT/manifest/                      Parquet: request_id, index, seed, path, seconds, device,
 *                                    cpu_seconds, bytes, sha256, reused
 * OUT/errors/                        Parquet: request_id, index, message, request
 * OUT/_tmp/                          images being written; removed when the job ends
 * </pre>
 *
 * <p>An image is written whole to {@code _tmp/} under a name of its task attempt, then renamed to
 * its final path. A failed attempt leaves at most a file in {@code _tmp/}, never a partial PNG at a
 * final path, and its retry writes the same bytes to the same path, so nothing is duplicated or
 * lost. Where the rename is refused because the image is there (HDFS does not replace), the image
 * already written by an earlier attempt is kept.
 *
 * <p>Serializable (the Hadoop configuration travels with it); a copy is used by one task at a time.
 */
final class OutputFolder implements Serializable {

  private static final long serialVersionUID = 1L;

  static final String IMAGES = "images";
  static final String MANIFEST = "manifest";
  static final String ERRORS = "errors";
  static final String TMP = "_tmp";

  /** The largest start image read for an SDEdit row: {@value} bytes (64 MiB). */
  static final long MAX_IMAGE_BYTES = 64L << 20;

  private final String root;
  private transient Configuration conf;
  private transient FileSystem fs;

  OutputFolder(String root, Configuration conf) {
    if (root == null || root.isBlank()) {
      throw new IllegalArgumentException("output folder must not be empty, but is: " + root);
    }
    this.root = root;
    this.conf = new Configuration(conf);
  }

  /** The folder, qualified with its file system's scheme. */
  String root() {
    return fileSystem().makeQualified(new Path(root)).toString();
  }

  /** The path of a table or folder under the root. */
  String resolve(String child) {
    return new Path(root(), child).toString();
  }

  /**
   * Returns the path of one image, relative to the root (what the manifest records).
   *
   * @param requestId a valid path segment
   * @param index the image's index
   * @return {@code images/REQUEST_ID/NNNNNN.png}
   */
  static String imagePath(String requestId, int index) {
    return IMAGES + "/" + requestId + "/" + String.format(Locale.ROOT, "%06d.png", index);
  }

  /**
   * Writes a file atomically: whole into {@code _tmp/}, then renamed into place.
   *
   * @param relative the final path under the root
   * @param bytes the content
   * @param attempt names the task attempt, so that concurrent attempts never share a temporary
   * @param beforeRename run between the write and the rename (fault injection in tests)
   * @throws UncheckedIOException if the file system fails
   */
  void writeAtomically(String relative, byte[] bytes, String attempt, Runnable beforeRename) {
    FileSystem f = fileSystem();
    Path target = new Path(root, relative);
    Path tmp = new Path(new Path(root, TMP), attempt + "/" + relative);
    try {
      try (OutputStream out = f.create(tmp, true)) {
        out.write(bytes);
      }
      beforeRename.run();
      f.mkdirs(target.getParent());
      if (!f.rename(tmp, target)) {
        if (!f.exists(target)) {
          throw new IOException("could not rename " + tmp + " to " + target);
        }
        f.delete(tmp, false); // an earlier attempt wrote the same image
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads an image an earlier run wrote, if it is there and whole: every PNG chunk's CRC matches up
   * to {@code IEND} (core's {@link Images#read(java.nio.file.Path)} checks them), it decodes, and
   * its width, height and channels are the model's. A truncated or otherwise corrupt file is not
   * whole: it is generated again and replaced.
   *
   * @param relative the image's path under the root
   * @param sampleShape the model's {@code [C, H, W]}
   * @return the file's bytes, or {@code null} if it is missing or not whole
   * @throws UncheckedIOException if the file system fails
   */
  byte[] readWholeImage(String relative, int[] sampleShape) {
    FileSystem f = fileSystem();
    Path p = new Path(root, relative);
    byte[] bytes;
    try {
      if (!f.exists(p) || !f.getFileStatus(p).isFile()) {
        return null;
      }
      if (f.getFileStatus(p).getLen() > MAX_IMAGE_BYTES) {
        return null;
      }
      try (InputStream in = f.open(p)) {
        bytes = in.readNBytes((int) MAX_IMAGE_BYTES + 1);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
    }
    java.nio.file.Path tmp = null;
    try {
      tmp = java.nio.file.Files.createTempFile("diffusion4j-resume", ".png");
      java.nio.file.Files.write(tmp, bytes);
      BufferedImage img = Images.read(tmp);
      boolean size =
          img.getWidth() == sampleShape[2]
              && img.getHeight() == sampleShape[1]
              && img.getRaster().getNumBands() == sampleShape[0];
      return size ? bytes : null;
    } catch (IllegalArgumentException notWhole) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + p + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          java.nio.file.Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a temporary file left behind is not worth failing the task for
        }
      }
    }
  }

  /**
   * The SHA-256 of a file's content, as {@code sha256sum} prints it.
   *
   * @param bytes the content. Not modified.
   * @return 64 lower-case hexadecimal digits
   */
  static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Removes {@code _tmp/} and whatever failed attempts left in it. */
  void deleteTmp() {
    try {
      fileSystem().delete(new Path(root, TMP), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + new Path(root, TMP), e);
    }
  }

  /**
   * Reads an image from any Hadoop file system (the start image of SDEdit).
   *
   * @param location a path or URI
   * @param channels the model's channels
   * @param range the model's value range
   * @return a {@code [1, channels, H, W]} tensor
   * @throws IllegalArgumentException if the file is missing or not an image
   */
  Tensor readImage(String location, int channels, ValueRange range) {
    String named = dev.diffusion4j.Messages.quote(location);
    Path p = new Path(location);
    java.nio.file.Path tmp = null;
    try {
      FileSystem f = p.getFileSystem(conf());
      if (!f.exists(p)) {
        throw new IllegalArgumentException("image not found: " + named);
      }
      if (f instanceof LocalFileSystem local) {
        // a directory, FIFO or device (/dev/zero) is named as what it is, not read
        dev.diffusion4j.RegularFiles.require(local.pathToFile(p).toPath(), "image file");
      }
      org.apache.hadoop.fs.FileStatus status = f.getFileStatus(p);
      if (!status.isFile() || status.getLen() > MAX_IMAGE_BYTES) {
        throw new IllegalArgumentException(
            "image must be a file of at most "
                + MAX_IMAGE_BYTES
                + " bytes, but "
                + named
                + (status.isFile() ? " has " + status.getLen() + " bytes" : " is not a file"));
      }
      byte[] bytes;
      try (InputStream in = f.open(p)) {
        // bounded: a file that grows or never ends is refused instead of filling the heap
        bytes = in.readNBytes((int) MAX_IMAGE_BYTES + 1);
      }
      if (bytes.length > MAX_IMAGE_BYTES) {
        throw new IllegalArgumentException(
            "image must be at most " + MAX_IMAGE_BYTES + " bytes, but " + named + " is longer");
      }
      // the library's own reader: PNG CRCs, Images.MAX_PIXELS from the header, CMYK JPEGs
      tmp = java.nio.file.Files.createTempFile("diffusion4j-start-image", ".img");
      java.nio.file.Files.write(tmp, bytes);
      BufferedImage img;
      try {
        img = Images.read(tmp);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "image must be a readable PNG or JPEG, but "
                + named
                + " is not: "
                + e.getMessage().replace(tmp.toString(), "it"),
            e);
      }
      return Images.fromImage(img, channels, range);
    } catch (IOException e) {
      // a row error (the errors table), not a failed task that Spark would retry
      throw new IllegalArgumentException("image cannot be read: " + named + " (" + e + ")", e);
    } finally {
      if (tmp != null) {
        try {
          java.nio.file.Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // a temporary file left behind is not worth failing the row for
        }
      }
    }
  }

  /**
   * Encodes the first image of a batch as PNG, as {@link Images#write(Tensor, int, ValueRange,
   * java.nio.file.Path)} writes it.
   *
   * @param images {@code [N, C, H, W]}. Not modified.
   * @param range their value range
   * @return the PNG file's bytes
   */
  static byte[] png(Tensor images, ValueRange range) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(Images.toImage(images, 0, range), "png", bytes)) {
        throw new IOException("no ImageIO writer for png");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private Configuration conf() {
    if (conf == null) {
      conf = new Configuration();
    }
    return conf;
  }

  private FileSystem fileSystem() {
    if (fs == null) {
      try {
        FileSystem f = new Path(root).getFileSystem(conf());
        // the local file system writes a .crc file beside every file; the raw one does not
        fs = f instanceof LocalFileSystem local ? local.getRawFileSystem() : f;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the file system of " + root, e);
      }
    }
    return fs;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    conf().write(out);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    conf = new Configuration(false);
    conf.readFields(in);
  }
}
