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
          for (var m : e.getValue().getAsJsonObject().entrySet()) {
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
      shape = new int[s.size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = s.get(i).getAsInt();
      }
      var off = o.getAsJsonArray("data_offsets");
      begin = off.get(0).getAsLong();
      end = off.get(1).getAsLong();
    } catch (RuntimeException e) {
      throw bad(path, "tensor '" + name + "' has no valid dtype, shape and data_offsets");
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
      count *= d;
    }
    if (end - begin != count * width || begin < 0 || dataStart + end > size) {
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
    return new IllegalArgumentException("safetensors file " + path + " is malformed: " + why);
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
