package dev.diffusion4j.text;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.diffusion4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the safetensors format (an 8-byte little-endian header length, a JSON header that maps each
 * name to its dtype, shape and byte range, then the raw little-endian data) into float tensors.
 * F32, F16, BF16 and I64 are supported. The format is small and fixed, so it is read here directly
 * rather than through a native library.
 *
 * @param tensors the tensors by name, converted to float32
 * @param metadata the header's {@code __metadata__} strings (empty when absent)
 */
public record Safetensors(Map<String, Tensor> tensors, Map<String, String> metadata) {

  /**
   * Reads a whole file.
   *
   * @param path the .safetensors file
   * @return its tensors and metadata
   * @throws IllegalArgumentException naming the file if it is missing or malformed
   */
  public static Safetensors read(Path path) {
    dev.diffusion4j.RegularFiles.require(path, "safetensors file");
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, len, 0);
      long headerLen = len.flip().getLong();
      if (headerLen <= 0 || headerLen > size - 8 || headerLen > 100_000_000) {
        throw bad(
            path, "header length " + headerLen + " does not fit a file of " + size + " bytes");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerLen);
      readFully(ch, header, 8);
      JsonObject json;
      try {
        json =
            JsonParser.parseString(new String(header.array(), StandardCharsets.UTF_8))
                .getAsJsonObject();
      } catch (JsonParseException | IllegalStateException e) {
        throw bad(path, "the header is not a JSON object (" + e.getMessage() + ")");
      }
      long dataStart = 8 + headerLen;
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      Map<String, String> metadata = new LinkedHashMap<>();
      for (Map.Entry<String, JsonElement> e : json.entrySet()) {
        if (e.getKey().equals("__metadata__")) {
          if (!e.getValue().isJsonObject()) {
            throw bad(path, "__metadata__ must be an object of strings, but is: " + e.getValue());
          }
          for (var m : e.getValue().getAsJsonObject().entrySet()) {
            if (!m.getValue().isJsonPrimitive() || !m.getValue().getAsJsonPrimitive().isString()) {
              throw bad(
                  path,
                  "__metadata__ entry '"
                      + m.getKey()
                      + "' must be a string, but is: "
                      + m.getValue());
            }
            metadata.put(m.getKey(), m.getValue().getAsString());
          }
          continue;
        }
        tensors.put(e.getKey(), tensor(path, ch, e.getKey(), e.getValue(), dataStart, size));
      }
      return new Safetensors(
          Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read safetensors file " + path + ": " + e.getMessage(), e);
    }
  }

  private static Tensor tensor(
      Path path, FileChannel ch, String name, JsonElement info, long dataStart, long size)
      throws IOException {
    JsonObject o;
    String dtype;
    int[] shape;
    long begin;
    long end;
    try {
      o = info.getAsJsonObject();
      dtype = o.get("dtype").getAsString();
      var s = o.getAsJsonArray("shape");
      if (s.size() > 8) {
        throw bad(path, "tensor '" + name + "' has rank " + s.size() + "; at most 8 is read");
      }
      shape = new int[s.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = exactInt(s.get(i));
      }
      var off = o.getAsJsonArray("data_offsets");
      if (off.size() != 2) {
        throw new IllegalStateException("data_offsets must hold two numbers");
      }
      begin = exactLong(off.get(0));
      end = exactLong(off.get(1));
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (RuntimeException e) {
      throw bad(
          path,
          "tensor '"
              + name
              + "' has no valid dtype, shape and data_offsets (integers), but: "
              + info);
    }
    int width =
        switch (dtype) {
          case "F32" -> 4;
          case "F16", "BF16" -> 2;
          case "I64" -> 8;
          default ->
              throw bad(
                  path,
                  "tensor '" + name + "' has dtype " + dtype + "; supported: F32, F16, BF16, I64");
        };
    long count = 1;
    for (int d : shape) {
      if (d < 0) {
        throw bad(
            path, "tensor '" + name + "' has shape " + java.util.Arrays.toString(shape) + " < 0");
      }
      if (d == 0) {
        throw bad(
            path,
            "tensor '"
                + name
                + "' has shape "
                + java.util.Arrays.toString(shape)
                + ", which holds no element (every dimension must be at least 1)");
      }
      count *= d;
      if (count > MAX_ELEMENTS || count * width > MAX_ELEMENTS) {
        throw bad(
            path,
            "tensor '"
                + name
                + "' of shape "
                + java.util.Arrays.toString(shape)
                + " has more than "
                + MAX_ELEMENTS
                + " elements or bytes, the most one Java array holds");
      }
    }
    if (begin < 0 || end < begin || end > size - dataStart || end - begin != count * width) {
      throw bad(
          path,
          "tensor '"
              + name
              + "' has byte range ["
              + begin
              + ", "
              + end
              + ") that does"
              + " not match its shape or the file size");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, buf, dataStart + begin);
    buf.flip();
    float[] out = new float[(int) count];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          switch (dtype) {
            case "F32" -> buf.getFloat();
            case "F16" -> ai.onnxruntime.platform.Fp16Conversions.fp16ToFloat(buf.getShort());
            case "BF16" -> Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
            default -> buf.getLong();
          };
    }
    return shape.length == 0 ? Tensor.wrap(out, 1) : Tensor.wrap(out, shape);
  }

  /** The most elements one tensor may have: a Java array's limit, with headroom. */
  private static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private static int exactInt(JsonElement e) {
    long v = exactLong(e);
    if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
      throw new IllegalStateException("not an int: " + e);
    }
    return (int) v;
  }

  /** A JSON integer; 2.5, "3" and 1e30 are refused (Gson would truncate or wrap them). */
  private static long exactLong(JsonElement e) {
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw new IllegalStateException("not a number: " + e);
    }
    try {
      return e.getAsBigDecimal().longValueExact();
    } catch (ArithmeticException x) {
      throw new IllegalStateException("not an integer: " + e);
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file at byte " + pos);
      }
      pos += n;
    }
  }

  private static IllegalArgumentException bad(Path path, String why) {
    return new IllegalArgumentException(
        "safetensors file " + dev.diffusion4j.Messages.quote(path) + " is malformed: " + why);
  }

  /**
   * Returns one tensor.
   *
   * @param name its name
   * @return the tensor
   * @throws IllegalArgumentException listing the names held when there is none by that name
   */
  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          "no tensor named '" + name + "'; the file holds: " + tensors.keySet());
    }
    return t;
  }
}
