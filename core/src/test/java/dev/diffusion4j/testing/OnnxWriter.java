package dev.diffusion4j.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small ONNX models (protobuf wire format, by hand) for the hostile-input tests, so that the
 * tests make their own malformed models instead of reading committed ones.
 */
public final class OnnxWriter {

  private final List<byte[]> nodes = new ArrayList<>();
  private final List<byte[]> inputs = new ArrayList<>();
  private final List<byte[]> outputs = new ArrayList<>();
  private final List<byte[]> initializers = new ArrayList<>();

  /**
   * Adds a float input or output; a dimension of -1 is the symbolic batch "B".
   *
   * @param name the name
   * @param output whether it is an output
   * @param elemType ONNX element type (1 float, 7 int64)
   * @param dims the shape
   * @return this
   */
  public OnnxWriter value(String name, boolean output, int elemType, long... dims) {
    Proto shape = new Proto();
    for (long d : dims) {
      Proto dim = new Proto();
      if (d < 0) {
        dim.string(2, "B");
      } else {
        dim.varint(1, d);
      }
      shape.message(1, dim);
    }
    Proto tensor = new Proto().varint(1, elemType).message(2, shape);
    Proto type = new Proto().message(1, tensor);
    Proto info = new Proto().string(1, name).message(2, type);
    (output ? outputs : inputs).add(info.bytes());
    return this;
  }

  /**
   * Adds a float initializer (a weight).
   *
   * @param name the name
   * @param data the values
   * @param dims the shape
   * @return this
   */
  public OnnxWriter initializer(String name, float[] data, long... dims) {
    Proto t = new Proto();
    for (long d : dims) {
      t.varint(1, d);
    }
    t.varint(2, 1);
    ByteArrayOutputStream packed = new ByteArrayOutputStream();
    for (float f : data) {
      int bits = Float.floatToIntBits(f);
      for (int k = 0; k < 4; k++) {
        packed.write(bits >>> (8 * k));
      }
    }
    t.bytes(4, packed.toByteArray());
    t.string(8, name);
    initializers.add(t.bytes());
    return this;
  }

  /**
   * Adds a node.
   *
   * @param op the operator type
   * @param in its inputs
   * @param out its outputs
   * @param intsAttributes attributes as name, long[] pairs (INTS), name, Long pairs (INT) or name,
   *     OnnxWriter pairs (GRAPH: the writer's graph as a subgraph)
   * @return this
   */
  public OnnxWriter node(String op, List<String> in, List<String> out, Object... intsAttributes) {
    Proto n = new Proto();
    for (String s : in) {
      n.string(1, s);
    }
    for (String s : out) {
      n.string(2, s);
    }
    n.string(3, op.toLowerCase() + nodes.size());
    n.string(4, op);
    for (int i = 0; i < intsAttributes.length; i += 2) {
      Proto a = new Proto().string(1, (String) intsAttributes[i]);
      if (intsAttributes[i + 1] instanceof OnnxWriter body) {
        a.bytes(6, body.graph());
        a.varint(20, 5);
      } else if (intsAttributes[i + 1] instanceof long[] values) {
        for (long v : values) {
          a.varint(8, v);
        }
        a.varint(20, 7);
      } else {
        a.varint(3, (Long) intsAttributes[i + 1]);
        a.varint(20, 2);
      }
      n.message(5, a);
    }
    nodes.add(n.bytes());
    return this;
  }

  /**
   * Writes the model.
   *
   * @param path where
   * @return the path
   */
  public Path write(Path path) {
    Proto opset = new Proto().string(1, "").varint(2, 17);
    Proto model = new Proto().varint(1, 8).message(8, opset).bytes(7, graph());
    try {
      return Files.write(path, model.bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Adds an initializer from little-endian raw bytes (e.g. int64 = 7, bool = 9).
   *
   * @param name the name
   * @param dataType the ONNX data type
   * @param raw the bytes
   * @param dims the shape (none for a scalar)
   * @return this
   */
  public OnnxWriter initializerRaw(String name, int dataType, byte[] raw, long... dims) {
    Proto t = new Proto();
    for (long d : dims) {
      t.varint(1, d);
    }
    t.varint(2, dataType);
    t.string(8, name);
    t.bytes(9, raw);
    initializers.add(t.bytes());
    return this;
  }

  private byte[] graph() {
    Proto graph = new Proto();
    nodes.forEach(b -> graph.bytes(1, b));
    graph.string(2, "hostile");
    initializers.forEach(b -> graph.bytes(5, b));
    inputs.forEach(b -> graph.bytes(11, b));
    outputs.forEach(b -> graph.bytes(12, b));
    return graph.bytes();
  }

  /** A protobuf message being written. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private void raw(long v) {
      long x = v;
      while ((x & ~0x7fL) != 0) {
        out.write((int) ((x & 0x7f) | 0x80));
        x >>>= 7;
      }
      out.write((int) x);
    }

    Proto varint(int field, long v) {
      raw((long) field << 3);
      raw(v);
      return this;
    }

    Proto bytes(int field, byte[] b) {
      raw((long) field << 3 | 2);
      raw(b.length);
      out.writeBytes(b);
      return this;
    }

    Proto string(int field, String s) {
      return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    Proto message(int field, Proto m) {
      return bytes(field, m.bytes());
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
