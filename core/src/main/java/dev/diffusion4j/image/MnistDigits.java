package dev.diffusion4j.image;

import dev.diffusion4j.tensor.Tensor;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads MNIST digits from the standard IDX files ({@code *-images-idx3-ubyte} and {@code
 * *-labels-idx1-ubyte}, optionally gzipped) as tensors in [0, 1], the value range of part B.
 *
 * @param images the digits {@code [N, 1, 28, 28]} in [0, 1]
 * @param labels the digit of each image
 */
public record MnistDigits(Tensor images, int[] labels) {

  /**
   * Reads an image file and its label file.
   *
   * @param imagesFile an IDX3 file of unsigned bytes
   * @param labelsFile an IDX1 file of unsigned bytes with as many entries
   * @return the digits
   * @throws IllegalArgumentException naming the file if it is missing or not an IDX file
   */
  public static MnistDigits read(Path imagesFile, Path labelsFile) {
    int[][] imgDims = new int[1][];
    byte[] pixels = readIdx(imagesFile, 3, imgDims);
    int[][] labDims = new int[1][];
    byte[] labs = readIdx(labelsFile, 1, labDims);
    int n = imgDims[0][0];
    if (labDims[0][0] != n) {
      throw new IllegalArgumentException(
          "labelsFile must hold one label per image ("
              + n
              + "), but holds "
              + labDims[0][0]
              + ": "
              + labelsFile);
    }
    int h = imgDims[0][1];
    int w = imgDims[0][2];
    float[] d = new float[pixels.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = (pixels[i] & 0xff) / 255f;
    }
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = labs[i] & 0xff;
      if (labels[i] > 9) {
        throw new IllegalArgumentException(
            "labelsFile must hold digits 0-9, but label "
                + i
                + " is "
                + labels[i]
                + ": "
                + labelsFile);
      }
    }
    return new MnistDigits(Tensor.wrap(d, n, 1, h, w), labels);
  }

  /** The largest image side read: {@value}. */
  private static final int MAX_SIDE = 4096;

  /** The most data bytes read from one IDX file: {@value} (MNIST's training set is 47 MB). */
  private static final long MAX_BYTES = 1L << 30;

  private static byte[] readIdx(Path file, int rank, int[][] dims) {
    dev.diffusion4j.RegularFiles.require(file, "IDX file");
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        DataInputStream data = new DataInputStream(in)) {
      int magic = data.readInt();
      if ((magic >>> 8) != 0x08 || (magic & 0xff) != rank) {
        throw new IllegalArgumentException(
            "file must be an unsigned-byte IDX file of rank "
                + rank
                + ", but its header is 0x"
                + Integer.toHexString(magic)
                + ": "
                + file);
      }
      int[] d = new int[rank];
      long size = 1;
      for (int i = 0; i < rank; i++) {
        d[i] = data.readInt();
        if (d[i] < 1 || (i > 0 && d[i] > MAX_SIDE)) {
          throw new IllegalArgumentException(
              "IDX file "
                  + file
                  + " has dimension "
                  + i
                  + " = "
                  + d[i]
                  + "; it must be in [1, "
                  + (i > 0 ? MAX_SIDE : Integer.MAX_VALUE)
                  + "]");
        }
        size *= d[i];
      }
      // a plain file holds exactly its header and data; a gzipped one is bounded by MAX_BYTES
      long available =
          file.toString().endsWith(".gz") ? MAX_BYTES : Files.size(file) - 4 - 4L * rank;
      if (size > available || size > MAX_BYTES) {
        throw new IllegalArgumentException(
            "IDX file "
                + file
                + " has dimensions "
                + java.util.Arrays.toString(d)
                + " ("
                + size
                + " bytes), but "
                + (size > MAX_BYTES
                    ? "at most " + MAX_BYTES + " are read"
                    : available + " follow the header"));
      }
      dims[0] = d;
      byte[] bytes = new byte[(int) size];
      data.readFully(bytes);
      return bytes;
    } catch (java.io.EOFException e) {
      throw new IllegalArgumentException("IDX file " + file + " ends before its data does", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read IDX file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the digits with a given label.
   *
   * @param digit 0..9
   * @param max the most to return
   * @return up to {@code max} digits {@code [n, 1, 28, 28]}
   */
  public Tensor ofDigit(int digit, int max) {
    int per = images.size() / labels.length;
    float[] src = images.data();
    int count = 0;
    for (int l : labels) {
      if (l == digit && count < max) {
        count++;
      }
    }
    if (count == 0) {
      throw new IllegalArgumentException("no digit " + digit + " among " + labels.length);
    }
    float[] out = new float[count * per];
    int k = 0;
    for (int i = 0; i < labels.length && k < count; i++) {
      if (labels[i] == digit) {
        System.arraycopy(src, i * per, out, k * per, per);
        k++;
      }
    }
    int[] s = images.shape();
    return Tensor.wrap(out, count, s[1], s[2], s[3]);
  }
}
