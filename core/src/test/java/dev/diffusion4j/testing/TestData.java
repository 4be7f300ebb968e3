package dev.diffusion4j.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Finds the repository's {@code testdata/} folder and reads the reference vectors in it. */
public final class TestData {

  private TestData() {}

  /** Returns {@code testdata/<relative>}, searching upwards from the working directory. */
  public static Path path(String relative) {
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("testdata");
      if (Files.isDirectory(candidate)) {
        return candidate.resolve(relative);
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("no testdata/ folder above " + Paths.get("").toAbsolutePath());
  }

  /** Reads {@code testdata/reference/<name>.json}. */
  public static JsonObject reference(String name) {
    try {
      return JsonParser.parseString(Files.readString(path("reference/" + name + ".json")))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads {@code {"shape": [...], "data": [...]}} as a tensor. */
  public static Tensor tensor(JsonObject file, String key) {
    JsonElement e = file.get(key);
    assertThat(e).as("reference entry " + key).isNotNull();
    JsonObject o = e.getAsJsonObject();
    var shapeJson = o.getAsJsonArray("shape");
    int[] shape = new int[shapeJson.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeJson.get(i).getAsInt();
    }
    var dataJson = o.getAsJsonArray("data");
    float[] data = new float[dataJson.size()];
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) dataJson.get(i).getAsDouble();
    }
    return Tensor.wrap(data, shape);
  }

  /** Asserts element-wise {@code |a - e| <= tol * max(1, |e|)}, naming the worst index. */
  public static void assertClose(Tensor actual, Tensor expected, double tol) {
    assertThat(actual.shape()).as("shape").isEqualTo(expected.shape());
    float[] a = actual.data();
    float[] e = expected.data();
    int worst = -1;
    double worstErr = 0;
    for (int i = 0; i < a.length; i++) {
      double err = Math.abs((double) a[i] - e[i]) / Math.max(1.0, Math.abs(e[i]));
      if (!(err <= worstErr)) {
        worstErr = err;
        worst = i;
      }
    }
    assertThat(worstErr)
        .as(
            "worst scaled error at flat index %d (actual %s, expected %s)",
            worst, worst >= 0 ? a[worst] : 0, worst >= 0 ? e[worst] : 0)
        .isLessThanOrEqualTo(tol);
  }

  /** Asserts element-wise {@code |a - e| <= tol * |e|} (pure relative error). */
  public static void assertRelative(float[] actual, float[] expected, double tol) {
    assertThat(actual.length).isEqualTo(expected.length);
    for (int i = 0; i < actual.length; i++) {
      double err = Math.abs((double) actual[i] - expected[i]);
      assertThat(err)
          .as("index %d: actual %s, expected %s", i, actual[i], expected[i])
          .isLessThanOrEqualTo(tol * Math.abs(expected[i]));
    }
  }
}
