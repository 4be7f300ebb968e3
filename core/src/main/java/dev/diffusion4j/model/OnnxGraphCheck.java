package dev.diffusion4j.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Refuses ONNX graphs that would crash ONNX Runtime itself, before a session is created: a zero or
 * negative stride, dilation or kernel size, or a zero group, in a convolution or pooling node makes
 * ONNX Runtime divide by zero in native code (SIGFPE), which ends the JVM at load or at the first
 * run instead of throwing.
 *
 * <p>The file is read with a minimal protobuf walker (the ONNX {@code ModelProto} wire format:
 * graph, nodes, attributes, subgraphs of {@code Loop}, {@code If} and {@code Scan}, and model-local
 * functions) over a read-only memory map; weights are skipped, not read. A file the walker cannot
 * parse is left to ONNX Runtime, which reports it as invalid. Stateless and thread-safe.
 */
final class OnnxGraphCheck {

  /** The operators whose shape attributes are divisors in ONNX Runtime's kernels. */
  private static final Set<String> WINDOWED =
      Set.of(
          "Conv",
          "ConvTranspose",
          "ConvInteger",
          "QLinearConv",
          "DeformConv",
          "AveragePool",
          "MaxPool",
          "LpPool",
          "MaxUnpool",
          "Col2Im");

  private static final Set<String> POSITIVE = Set.of("strides", "dilations", "kernel_shape");

  /**
   * Subgraphs nest at most this deep (a hostile file could nest them until the stack overflows).
   */
  private static final int MAX_DEPTH = 64;

  private OnnxGraphCheck() {}

  /**
   * Checks a model file.
   *
   * @param path the .onnx file, known to be a regular file
   * @throws IllegalArgumentException naming the file, the node and the attribute that would crash
   */
  static void check(Path path) {
    ByteBuffer buf;
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE) {
        return; // no valid protobuf is this large; ONNX Runtime refuses it
      }
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
      buf = map;
    } catch (IOException e) {
      return; // ONNX Runtime reports the unreadable file
    }
    check(buf, "model file " + path);
  }

  /**
   * Checks the bytes of a model.
   *
   * @param bytes the bytes of an .onnx file. Not modified.
   * @param what the model for the message (e.g. {@code "model mnist.onnx"})
   * @throws IllegalArgumentException naming the model, the node and the attribute that would crash
   */
  static void check(byte[] bytes, String what) {
    check(ByteBuffer.wrap(bytes).asReadOnlyBuffer(), what);
  }

  private static void check(ByteBuffer buf, String what) {
    List<String> problems = new ArrayList<>();
    try {
      model(buf, 0, buf.limit(), problems);
    } catch (Malformed e) {
      return; // not a protobuf this walker understands: ONNX Runtime reports it
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          what + " has a node that would crash ONNX Runtime: " + String.join("; ", problems));
    }
  }

  /** ModelProto: graph = 7, functions = 25 (FunctionProto: node = 7). */
  private static void model(ByteBuffer b, int from, int to, List<String> out) {
    Reader r = new Reader(b, from, to);
    while (r.more()) {
      int tag = r.tag();
      if (tag == (7 << 3 | 2)) {
        int len = r.length();
        graph(b, r.pos, r.pos + len, out, 0);
        r.pos += len;
      } else if (tag == (25 << 3 | 2)) {
        int len = r.length();
        function(b, r.pos, r.pos + len, out);
        r.pos += len;
      } else {
        r.skip(tag);
      }
    }
  }

  private static void function(ByteBuffer b, int from, int to, List<String> out) {
    Reader r = new Reader(b, from, to);
    while (r.more()) {
      int tag = r.tag();
      if (tag == (7 << 3 | 2)) {
        int len = r.length();
        node(b, r.pos, r.pos + len, out, 1);
        r.pos += len;
      } else {
        r.skip(tag);
      }
    }
  }

  /** GraphProto: node = 1. */
  private static void graph(ByteBuffer b, int from, int to, List<String> out, int depth) {
    if (depth > MAX_DEPTH) {
      out.add("subgraphs nest deeper than " + MAX_DEPTH + " levels");
      return;
    }
    Reader r = new Reader(b, from, to);
    while (r.more()) {
      int tag = r.tag();
      if (tag == (1 << 3 | 2)) {
        int len = r.length();
        node(b, r.pos, r.pos + len, out, depth);
        r.pos += len;
      } else {
        r.skip(tag);
      }
    }
  }

  /** NodeProto: name = 3, op_type = 4, attribute = 5. */
  private static void node(ByteBuffer b, int from, int to, List<String> out, int depth) {
    Reader r = new Reader(b, from, to);
    String name = "";
    String op = "";
    List<int[]> attributes = new ArrayList<>(); // [from, to] of each AttributeProto
    while (r.more()) {
      int tag = r.tag();
      if (tag == (3 << 3 | 2)) {
        name = r.string();
      } else if (tag == (4 << 3 | 2)) {
        op = r.string();
      } else if (tag == (5 << 3 | 2)) {
        int len = r.length();
        attributes.add(new int[] {r.pos, r.pos + len});
        r.pos += len;
      } else {
        r.skip(tag);
      }
    }
    for (int[] a : attributes) {
      attribute(b, a[0], a[1], name, op, out, depth);
    }
  }

  /** AttributeProto: name = 1, i = 3, g = 6, ints = 8, graphs = 11. */
  private static void attribute(
      ByteBuffer b, int from, int to, String node, String op, List<String> out, int depth) {
    Reader r = new Reader(b, from, to);
    String name = "";
    List<Long> ints = new ArrayList<>();
    Long i = null;
    while (r.more()) {
      int tag = r.tag();
      if (tag == (1 << 3 | 2)) {
        name = r.string();
      } else if (tag == (3 << 3)) {
        i = r.varint();
      } else if (tag == (8 << 3)) {
        ints.add(r.varint());
      } else if (tag == (8 << 3 | 2)) {
        int len = r.length();
        Reader packed = new Reader(b, r.pos, r.pos + len);
        while (packed.more()) {
          ints.add(packed.varint());
        }
        r.pos += len;
      } else if (tag == (6 << 3 | 2) || tag == (11 << 3 | 2)) {
        int len = r.length();
        graph(b, r.pos, r.pos + len, out, depth + 1);
        r.pos += len;
      } else {
        r.skip(tag);
      }
    }
    if (!WINDOWED.contains(op)) {
      return;
    }
    String where = "node '" + node + "' (" + op + ") has " + name + " ";
    if (POSITIVE.contains(name)) {
      for (long v : ints) {
        if (v < 1) {
          out.add(where + ints + ", but every " + name + " value must be >= 1");
          return;
        }
      }
    } else if (name.equals("group") && i != null && i < 1) {
      out.add(where + i + ", but group must be >= 1");
    }
  }

  /** Thrown when the bytes are not the protobuf the walker expects. */
  private static final class Malformed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Malformed() {
      super(null, null, false, false);
    }
  }

  /** Reads protobuf wire-format fields from a window of the buffer. */
  private static final class Reader {
    private final ByteBuffer b;
    private final int to;
    private int pos;

    Reader(ByteBuffer b, int from, int to) {
      if (from < 0 || to > b.limit() || from > to) {
        throw new Malformed();
      }
      this.b = b;
      this.pos = from;
      this.to = to;
    }

    boolean more() {
      return pos < to;
    }

    int tag() {
      long t = varint();
      if (t <= 0 || t > Integer.MAX_VALUE) {
        throw new Malformed();
      }
      return (int) t;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= to) {
          throw new Malformed();
        }
        byte x = b.get(pos++);
        v |= (long) (x & 0x7f) << shift;
        if (x >= 0) {
          return v;
        }
      }
      throw new Malformed();
    }

    int length() {
      long len = varint();
      if (len < 0 || len > to - pos) {
        throw new Malformed();
      }
      return (int) len;
    }

    String string() {
      int len = length();
      byte[] bytes = new byte[Math.min(len, 256)];
      for (int k = 0; k < bytes.length; k++) {
        bytes[k] = b.get(pos + k);
      }
      pos += len;
      return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint();
        case 1 -> advance(8);
        case 2 -> advance(length());
        case 5 -> advance(4);
        default -> throw new Malformed();
      }
    }

    private void advance(int n) {
      if (n > to - pos) {
        throw new Malformed();
      }
      pos += n;
    }
  }
}
