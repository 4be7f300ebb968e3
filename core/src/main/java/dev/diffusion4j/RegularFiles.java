package dev.diffusion4j;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks that a path given as an input file is a regular file, and says what it is otherwise (it
 * does not exist, it is a directory, or it is a FIFO, a device or a socket), so that a wrong path
 * is reported as what it is rather than as missing. Messages read {@code "model file is a
 * directory: /path"}. Stateless and thread-safe.
 */
public final class RegularFiles {

  private RegularFiles() {}

  /**
   * Throws unless {@code path} is an existing regular file (following symbolic links).
   *
   * @param path the path
   * @param what what the file is, for the message, e.g. {@code "model file"}
   * @return {@code path}
   * @throws IllegalArgumentException naming the path and what was found there instead
   */
  public static Path require(Path path, String what) {
    if (path == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    if (Files.isRegularFile(path)) {
      return path;
    }
    String found;
    if (!Files.exists(path)) {
      found = "does not exist";
    } else if (Files.isDirectory(path)) {
      found = "is a directory";
    } else {
      found = "is not a regular file (a FIFO, a device or a socket)";
    }
    throw new IllegalArgumentException(what + " " + found + ": " + Messages.quote(path));
  }
}
