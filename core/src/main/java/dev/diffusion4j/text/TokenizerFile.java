package dev.diffusion4j.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks a HuggingFace {@code tokenizer.json} before the native tokenizer library sees it: a
 * malformed file can make the native library abort the whole JVM, so it must be refused in Java.
 * The checks are those of T5's tokenizer: a JSON object whose {@code model} is a {@code Unigram}
 * model with a vocabulary of {@code [piece, score]} pairs, an {@code unk_id} inside it, and the
 * pieces {@code <pad>} (id 0) and {@code </s>}.
 */
final class TokenizerFile {

  private TokenizerFile() {}

  /**
   * Validates the file.
   *
   * @param path the tokenizer.json
   * @throws IllegalArgumentException naming the file and the first problem found
   */
  static void validateT5(Path path) {
    dev.diffusion4j.RegularFiles.require(path, "tokenizer file");
    JsonObject root;
    try {
      JsonElement e = JsonParser.parseString(Files.readString(path));
      if (!e.isJsonObject()) {
        throw bad(path, "it is not a JSON object");
      }
      root = e.getAsJsonObject();
    } catch (JsonParseException e) {
      throw bad(path, "it is not valid JSON (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read tokenizer file " + path + ": " + e, e);
    }
    JsonElement model = root.get("model");
    if (model == null || !model.isJsonObject()) {
      throw bad(path, "it has no \"model\" object");
    }
    JsonObject m = model.getAsJsonObject();
    String type =
        m.has("type") && m.get("type").isJsonPrimitive() ? m.get("type").getAsString() : null;
    if (!"Unigram".equals(type)) {
      throw bad(path, "model.type is " + type + ", but a T5 tokenizer has a Unigram model");
    }
    JsonElement vocabEl = m.get("vocab");
    if (vocabEl == null || !vocabEl.isJsonArray() || vocabEl.getAsJsonArray().isEmpty()) {
      throw bad(path, "model.vocab must be a non-empty array of [piece, score] pairs");
    }
    JsonArray vocab = vocabEl.getAsJsonArray();
    int pad = -1;
    int eos = -1;
    for (int i = 0; i < vocab.size(); i++) {
      JsonElement entry = vocab.get(i);
      if (!entry.isJsonArray()
          || entry.getAsJsonArray().size() != 2
          || !entry.getAsJsonArray().get(0).isJsonPrimitive()
          || !entry.getAsJsonArray().get(0).getAsJsonPrimitive().isString()
          || !entry.getAsJsonArray().get(1).isJsonPrimitive()
          || !entry.getAsJsonArray().get(1).getAsJsonPrimitive().isNumber()) {
        throw bad(path, "model.vocab[" + i + "] is not a [piece, score] pair: " + entry);
      }
      String piece = entry.getAsJsonArray().get(0).getAsString();
      if (piece.equals("<pad>") && pad < 0) {
        pad = i;
      }
      if (piece.equals("</s>") && eos < 0) {
        eos = i;
      }
    }
    JsonElement unk = m.get("unk_id");
    if (unk != null && !unk.isJsonNull()) {
      if (!unk.isJsonPrimitive() || !unk.getAsJsonPrimitive().isNumber()) {
        throw bad(path, "model.unk_id must be a number, but is: " + unk);
      }
      int u = unk.getAsInt();
      if (u < 0 || u >= vocab.size()) {
        throw bad(path, "model.unk_id " + u + " is outside the vocabulary of " + vocab.size());
      }
    }
    if (pad != 0) {
      throw bad(
          path, "a T5 tokenizer has <pad> at id 0, but it is at " + (pad < 0 ? "no id" : pad));
    }
    if (eos < 0) {
      throw bad(path, "a T5 tokenizer has the end-of-sequence piece </s>, but it has none");
    }
  }

  private static IllegalArgumentException bad(Path path, String why) {
    return new IllegalArgumentException(
        "tokenizer file " + path + " is not a valid T5 tokenizer: " + why);
  }
}
