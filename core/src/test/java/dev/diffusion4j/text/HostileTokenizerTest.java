package dev.diffusion4j.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.diffusion4j.testing.ForkedJvm;
import dev.diffusion4j.testing.HostileChild;
import dev.diffusion4j.testing.TestData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tokenizer.json shapes that pass a shallow check but panic inside the native tokenizer library
 * (which aborts the JVM): each is generated here from the tiny T5 tokenizer and must be refused in
 * Java, naming the file and the JSON path of the culprit. All cases run in one child JVM, so that a
 * regression fails this test instead of killing the build.
 */
class HostileTokenizerTest {

  private static final Path DIR = TestData.path("models/tiny-if");

  @TempDir Path dir;

  private final Map<String, String> expected = new LinkedHashMap<>();
  private final List<String> files = new ArrayList<>();

  private JsonObject tiny() throws Exception {
    return JsonParser.parseString(Files.readString(DIR.resolve("tokenizer.json")))
        .getAsJsonObject();
  }

  /** Writes a variant of the tiny tokenizer; {@code culprit} is what the refusal must name. */
  private void variant(String name, String culprit, Consumer<JsonObject> change) throws Exception {
    JsonObject t = tiny();
    change.accept(t);
    Path file = Files.writeString(dir.resolve(name + ".json"), t.toString());
    files.add(file.toString());
    expected.put(name + ".json", culprit);
  }

  /**
   * A well-formed SentencePiece charsmap with one rule, "A" -> "a": a root whose transitions sit at
   * unit 256 ^ byte, the leaf of byte 0x41 at unit 512, 768 units in all (three blocks of 256).
   */
  static byte[] charsmap(int units, int leafValue, byte[] normalized) {
    int[] u = new int[units];
    u[0] = 256 << 10;
    int q = 256 ^ 0x41;
    int next = 512;
    u[q] = ((q ^ next) << 10) | (1 << 8) | 0x41;
    if (next < units) {
      u[next] = 0x80000000 | leafValue;
    }
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * units + normalized.length);
    b.order(ByteOrder.LITTLE_ENDIAN).putInt(4 * units);
    for (int v : u) {
      b.putInt(v);
    }
    b.put(normalized);
    return b.array();
  }

  private static JsonObject precompiled(String base64) {
    JsonObject p = new JsonObject();
    p.addProperty("type", "Precompiled");
    p.addProperty("precompiled_charsmap", base64);
    return p;
  }

  private static JsonObject withPattern(String type, String kind, String pattern) {
    JsonObject o = new JsonObject();
    o.addProperty("type", type);
    JsonObject p = new JsonObject();
    p.addProperty(kind, pattern);
    o.add("pattern", p);
    o.addProperty("content", " ");
    o.addProperty("behavior", "Removed");
    o.addProperty("invert", false);
    return o;
  }

  @Test
  void shapesThatPanicTheNativeLibraryAreRefusedInJava() throws Exception {
    byte[] valid = charsmap(768, 0, "a\0".getBytes(StandardCharsets.UTF_8));
    String b64 = Base64.getEncoder().encodeToString(valid);

    // the T5 shape, with a real (small) charsmap: accepted, and it tokenizes
    variant(
        "t5-shape",
        null,
        t -> {
          JsonObject seq = new JsonObject();
          seq.addProperty("type", "Sequence");
          JsonArray list = new JsonArray();
          list.add(precompiled(b64));
          list.add(withPattern("Replace", "Regex", " {2,}"));
          seq.add("normalizers", list);
          t.add("normalizer", seq);
        });
    variant(
        "charsmap-not-base64",
        "normalizer.precompiled_charsmap is not valid base64",
        t -> t.add("normalizer", precompiled("!!not base64!!")));
    variant(
        "charsmap-garbage",
        "normalizer.precompiled_charsmap declares a trie of",
        t ->
            t.add(
                "normalizer",
                precompiled(
                    Base64.getEncoder()
                        .encodeToString("garbage that is not a trie at all".getBytes()))));
    variant(
        "charsmap-steps-out",
        "normalizer.precompiled_charsmap has a trie leaf at unit 512 of 400",
        t ->
            t.add(
                "normalizer",
                precompiled(
                    Base64.getEncoder()
                        .encodeToString(
                            charsmap(400, 0, "a\0".getBytes(StandardCharsets.UTF_8))))));
    variant(
        "charsmap-leaf-beyond-strings",
        "normalizer.precompiled_charsmap has a replacement at byte 4000",
        t ->
            t.add(
                "normalizer",
                precompiled(
                    Base64.getEncoder()
                        .encodeToString(
                            charsmap(768, 4000, "a\0".getBytes(StandardCharsets.UTF_8))))));
    variant(
        "template-undefined-special",
        "post_processor.single[1].SpecialToken.id names \"<cls>\"",
        t ->
            t.getAsJsonObject("post_processor")
                .getAsJsonArray("single")
                .get(1)
                .getAsJsonObject()
                .getAsJsonObject("SpecialToken")
                .addProperty("id", "<cls>"));
    variant(
        "template-undefined-sequence",
        "post_processor.pair[2].Sequence.id must be A or B, but is: \"C\"",
        t ->
            t.getAsJsonObject("post_processor")
                .getAsJsonArray("pair")
                .get(2)
                .getAsJsonObject()
                .getAsJsonObject("Sequence")
                .addProperty("id", "C"));
    variant(
        "template-single-names-b",
        "post_processor.single[0].Sequence.id must be A in the single-sequence template",
        t ->
            t.getAsJsonObject("post_processor")
                .getAsJsonArray("single")
                .get(0)
                .getAsJsonObject()
                .getAsJsonObject("Sequence")
                .addProperty("id", "B"));
    // no unk_id: loads, but "A photo  of a dog" holds pieces outside the tiny vocabulary
    variant(
        "no-unk-id",
        "REFUSED java.lang.IllegalArgumentException: prompt cannot be tokenized: \"A photo  of a"
            + " dog\"",
        t -> t.getAsJsonObject("model").remove("unk_id"));
    variant(
        "special-token-wrong-ids",
        "post_processor.special_tokens[\"</s>\"].ids[0] is 5, but \"</s>\" has id 1",
        t -> {
          JsonArray ids = new JsonArray();
          ids.add(5);
          t.getAsJsonObject("post_processor")
              .getAsJsonObject("special_tokens")
              .getAsJsonObject("</s>")
              .add("ids", ids);
        });
    variant(
        "replace-backtracking",
        "normalizer.pattern.Regex repeats a group that itself repeats",
        t -> t.add("normalizer", withPattern("Replace", "Regex", "(a+)+$")));
    variant(
        "split-backtracking",
        "pre_tokenizer.pattern.Regex repeats a group that itself repeats",
        t -> t.add("pre_tokenizer", withPattern("Split", "Regex", "(x|xx)*y")));
    variant(
        "backreference",
        "normalizer.pattern.Regex uses the back-reference",
        t -> t.add("normalizer", withPattern("Replace", "Regex", "(a)\\1")));
    variant(
        "huge-piece",
        "is a piece of 1048576 characters",
        t -> {
          JsonArray entry = new JsonArray();
          entry.add("x".repeat(1 << 20));
          entry.add(-1.0);
          t.getAsJsonObject("model").getAsJsonArray("vocab").add(entry);
        });
    variant(
        "unknown-normalizer",
        "normalizer has type Weird",
        t -> {
          JsonObject o = new JsonObject();
          o.addProperty("type", "Weird");
          t.add("normalizer", o);
        });

    List<String> args = new ArrayList<>();
    args.add("tokenizers");
    args.add(DIR.resolve("text_encoder.onnx").toString());
    args.addAll(files);
    ForkedJvm.Result r =
        ForkedJvm.run(HostileChild.class, List.of("-Xmx256m"), 120, args.toArray(new String[0]));
    assertThat(r.exitCode()).as(r.output()).isZero();
    for (var e : expected.entrySet()) {
      String line =
          r.output()
              .lines()
              .filter(l -> l.startsWith("FILE " + e.getKey() + " "))
              .findFirst()
              .orElseThrow(
                  () -> new AssertionError("no line for " + e.getKey() + ":\n" + r.output()));
      if (e.getValue() == null) {
        assertThat(line).startsWith("FILE " + e.getKey() + " ACCEPTED");
      } else if (e.getValue().startsWith("REFUSED ")) {
        assertThat(line).as(e.getKey()).contains(e.getValue()).contains("without model.unk_id");
      } else {
        assertThat(line)
            .as(e.getKey())
            .contains("REFUSED java.lang.IllegalArgumentException: tokenizer file ")
            .contains(e.getKey())
            .contains(e.getValue());
      }
    }
  }
}
