package dev.diffusion4j.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks a HuggingFace {@code tokenizer.json} before the native tokenizer library sees it: a
 * malformed file can make the native library abort the whole JVM, so it must be refused in Java.
 * The checks are those of T5's tokenizer: a JSON object whose {@code model} is a {@code Unigram}
 * model with a vocabulary of {@code [piece, score]} pairs, an {@code unk_id} inside it, and the
 * pieces {@code <pad>} (id 0) and {@code </s>}; pieces of at most {@value #MAX_PIECE_LENGTH}
 * characters, each once, with finite scores; a file of at most {@value #MAX_FILE_BYTES} bytes; and
 * the normalizer, pre-tokenizer, post-processor and decoder checked by {@link TokenizerParts}.
 */
final class TokenizerFile {

  /** The longest vocabulary piece accepted (T5's longest is 16 characters). */
  static final int MAX_PIECE_LENGTH = 256;

  /** The largest tokenizer.json accepted (T5's is 2.4 MB). */
  static final long MAX_FILE_BYTES = 64L << 20;

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
      long size = Files.size(path);
      if (size > MAX_FILE_BYTES) {
        throw bad(path, "it is " + size + " bytes; at most " + MAX_FILE_BYTES + " are read");
      }
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
    Map<String, Integer> ids = new HashMap<>();
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
      if (piece.isEmpty() || piece.length() > MAX_PIECE_LENGTH) {
        throw bad(
            path,
            "model.vocab["
                + i
                + "] is a piece of "
                + piece.length()
                + " characters; pieces have 1 to "
                + MAX_PIECE_LENGTH);
      }
      if (!Double.isFinite(entry.getAsJsonArray().get(1).getAsDouble())) {
        throw bad(path, "model.vocab[" + i + "] has a score that is not finite: " + entry);
      }
      Integer before = ids.putIfAbsent(piece, i);
      if (before != null) {
        throw bad(
            path,
            "model.vocab[" + i + "] repeats the piece of model.vocab[" + before + "]: " + entry);
      }
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
    addedTokens(path, root.get("added_tokens"), vocab.size());
    TokenizerParts parts = new TokenizerParts(path.toString(), ids);
    parts.normalizer(root.get("normalizer"));
    parts.preTokenizer(root.get("pre_tokenizer"));
    parts.postProcessor(root.get("post_processor"));
    parts.decoder(root.get("decoder"));
  }

  private static void addedTokens(Path path, JsonElement added, int vocabSize) {
    if (added == null || added.isJsonNull()) {
      return;
    }
    if (!added.isJsonArray()) {
      throw bad(path, "added_tokens must be an array, but is: " + added);
    }
    JsonArray list = added.getAsJsonArray();
    for (int i = 0; i < list.size(); i++) {
      JsonElement t = list.get(i);
      JsonObject o = t.isJsonObject() ? t.getAsJsonObject() : null;
      JsonElement id = o == null ? null : o.get("id");
      JsonElement content = o == null ? null : o.get("content");
      if (id == null
          || !id.isJsonPrimitive()
          || !id.getAsJsonPrimitive().isNumber()
          || id.getAsDouble() != Math.rint(id.getAsDouble())
          || id.getAsDouble() < 0
          || id.getAsDouble() >= vocabSize + list.size()
          || content == null
          || !content.isJsonPrimitive()
          || !content.getAsJsonPrimitive().isString()
          || content.getAsString().isEmpty()
          || content.getAsString().length() > MAX_PIECE_LENGTH) {
        throw bad(
            path,
            "added_tokens["
                + i
                + "] must have an integer id in [0, "
                + (vocabSize + list.size())
                + ") and a content of 1 to "
                + MAX_PIECE_LENGTH
                + " characters, but is: "
                + (t.toString().length() > 120 ? t.toString().substring(0, 120) + "..." : t));
      }
    }
  }

  private static IllegalArgumentException bad(Path path, String why) {
    return new IllegalArgumentException(
        "tokenizer file " + path + " is not a valid T5 tokenizer: " + why);
  }
}
