package dev.diffusion4j.image;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

/**
 * Checks the chunk structure of a PNG file (length, type, data, CRC-32 of type and data, up to
 * {@code IEND}), which ImageIO does not: it decodes a file whose CRCs are wrong, so a corrupt file
 * reads as a plausible but wrong image. Stateless and thread-safe.
 */
final class PngChunks {

  private PngChunks() {}

  /**
   * Checks a PNG file.
   *
   * @param path the file, known to start with the PNG signature
   * @throws IllegalArgumentException naming the file and the first bad chunk
   * @throws IOException when the file cannot be read
   */
  static void check(Path path) throws IOException {
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        DataInputStream in = new DataInputStream(raw)) {
      in.skipNBytes(8);
      byte[] buf = new byte[1 << 16];
      long offset = 8;
      while (true) {
        long length = in.readInt() & 0xffffffffL;
        byte[] type = in.readNBytes(4);
        String name = new String(type, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (type.length < 4 || length > Integer.MAX_VALUE) {
          throw bad(path, "the chunk at byte " + offset + " is cut off or has length " + length);
        }
        CRC32 crc = new CRC32();
        crc.update(type);
        long left = length;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw bad(path, "chunk " + name + " at byte " + offset + " is cut off");
          }
          crc.update(buf, 0, n);
          left -= n;
        }
        long stored = in.readInt() & 0xffffffffL;
        if (stored != crc.getValue()) {
          throw bad(
              path,
              "chunk "
                  + name
                  + " at byte "
                  + offset
                  + " has CRC 0x"
                  + Long.toHexString(stored)
                  + ", but its data give 0x"
                  + Long.toHexString(crc.getValue()));
        }
        if (name.equals("IEND")) {
          return;
        }
        offset += 12 + length;
      }
    } catch (EOFException e) {
      throw bad(path, "it ends before its IEND chunk");
    }
  }

  private static IllegalArgumentException bad(Path path, String why) {
    return new IllegalArgumentException("PNG file " + path + " is corrupt: " + why);
  }
}
