package dev.diffusion4j.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.BitSet;
import java.util.Map;
import java.util.Set;

/**
 * The deep checks of a {@code tokenizer.json} beyond its model: the normalizer, pre-tokenizer,
 * post-processor and decoder, each against what the native tokenizer library can run without
 * panicking (a Rust panic inside the JNI call aborts the JVM):
 *
 * <ul>
 *   <li>only the component types a SentencePiece tokenizer uses are accepted, nested at most
 *       {@value #MAX_DEPTH} deep;
 *   <li>a {@code Precompiled} normalizer's {@code precompiled_charsmap} must be base64 of a
 *       well-formed SentencePiece double-array trie: every transition any input byte can take stays
 *       inside the trie, and every replacement starts at a character of the normalized-strings blob
 *       (the library indexes both without bounds checks);
 *   <li>a regex of a {@code Replace} normalizer or a {@code Split} pre-tokenizer must not repeat a
 *       group that itself repeats or alternates ({@code (a+)+}, {@code (a|aa)*}: catastrophic
 *       backtracking in Oniguruma), nor use back-references, and is at most {@value
 *       #MAX_PATTERN_LENGTH} characters;
 *   <li>a {@code TemplateProcessing} post-processor may only name the sequences {@code A} and
 *       {@code B} ({@code A} alone in its {@code single} template: naming {@code B} there panics
 *       the native tokenizer, which aborts the JVM) and special tokens it defines, and each special
 *       token's ids must be the vocabulary ids of its tokens (a wrong list silently changes every
 *       prompt).
 * </ul>
 */
final class TokenizerParts {

  static final int MAX_DEPTH = 8;
  static final int MAX_PATTERN_LENGTH = 1000;

  private static final Set<String> NORMALIZERS =
      Set.of(
          "Sequence",
          "Precompiled",
          "Replace",
          "NFC",
          "NFD",
          "NFKC",
          "NFKD",
          "Lowercase",
          "Strip",
          "StripAccents",
          "Prepend");
  private static final Set<String> PRE_TOKENIZERS =
      Set.of(
          "Sequence",
          "Metaspace",
          "WhitespaceSplit",
          "Whitespace",
          "Split",
          "Punctuation",
          "Digits",
          "UnicodeScripts");
  private static final Set<String> DECODERS =
      Set.of("Sequence", "Metaspace", "Replace", "ByteFallback", "Fuse", "Strip");

  private final String file;
  private final Map<String, Integer> vocab;

  /**
   * Creates a checker.
   *
   * @param file the file, for messages
   * @param vocab each piece's id
   */
  TokenizerParts(String file, Map<String, Integer> vocab) {
    this.file = file;
    this.vocab = vocab;
  }

  private IllegalArgumentException bad(String where, String why) {
    return new IllegalArgumentException(
        "tokenizer file " + file + " is not a valid T5 tokenizer: " + where + " " + why);
  }

  private JsonObject component(JsonElement e, String where, Set<String> types, int depth) {
    if (depth > MAX_DEPTH) {
      throw bad(where, "nests deeper than " + MAX_DEPTH + " levels");
    }
    if (!e.isJsonObject()) {
      throw bad(where, "must be an object, but is: " + abbreviate(e));
    }
    JsonObject o = e.getAsJsonObject();
    JsonElement t = o.get("type");
    String type = t != null && t.isJsonPrimitive() ? t.getAsString() : null;
    if (type == null || !types.contains(type)) {
      throw bad(where, "has type " + type + "; accepted: " + new java.util.TreeSet<>(types));
    }
    return o;
  }

  private JsonArray array(JsonObject o, String key, String where) {
    JsonElement e = o.get(key);
    if (e == null || !e.isJsonArray()) {
      throw bad(where + "." + key, "must be an array");
    }
    return e.getAsJsonArray();
  }

  private String string(JsonObject o, String key, String where) {
    JsonElement e = o.get(key);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw bad(where + "." + key, "must be a string, but is: " + abbreviate(e));
    }
    return e.getAsString();
  }

  /**
   * Checks the normalizer ({@code null} or JSON null is accepted).
   *
   * @param e the normalizer
   */
  void normalizer(JsonElement e) {
    if (e != null && !e.isJsonNull()) {
      normalizer(e, "normalizer", 0);
    }
  }

  private void normalizer(JsonElement e, String where, int depth) {
    JsonObject o = component(e, where, NORMALIZERS, depth);
    switch (o.get("type").getAsString()) {
      case "Sequence" -> {
        JsonArray list = array(o, "normalizers", where);
        for (int i = 0; i < list.size(); i++) {
          normalizer(list.get(i), where + ".normalizers[" + i + "]", depth + 1);
        }
      }
      case "Precompiled" ->
          charsmap(o.get("precompiled_charsmap"), where + ".precompiled_charsmap");
      case "Replace" -> pattern(o, where);
      default -> {}
    }
  }

  /**
   * Checks the pre-tokenizer ({@code null} or JSON null is accepted).
   *
   * @param e the pre-tokenizer
   */
  void preTokenizer(JsonElement e) {
    if (e != null && !e.isJsonNull()) {
      preTokenizer(e, "pre_tokenizer", 0);
    }
  }

  private void preTokenizer(JsonElement e, String where, int depth) {
    JsonObject o = component(e, where, PRE_TOKENIZERS, depth);
    switch (o.get("type").getAsString()) {
      case "Sequence" -> {
        JsonArray list = array(o, "pretokenizers", where);
        for (int i = 0; i < list.size(); i++) {
          preTokenizer(list.get(i), where + ".pretokenizers[" + i + "]", depth + 1);
        }
      }
      case "Split" -> pattern(o, where);
      case "Metaspace" -> {
        String r = string(o, "replacement", where);
        if (r.codePointCount(0, r.length()) != 1) {
          throw bad(where + ".replacement", "must be one character, but is: \"" + r + "\"");
        }
      }
      default -> {}
    }
  }

  /**
   * Checks the decoder ({@code null} or JSON null is accepted).
   *
   * @param e the decoder
   */
  void decoder(JsonElement e) {
    if (e != null && !e.isJsonNull()) {
      decoder(e, "decoder", 0);
    }
  }

  private void decoder(JsonElement e, String where, int depth) {
    JsonObject o = component(e, where, DECODERS, depth);
    switch (o.get("type").getAsString()) {
      case "Sequence" -> {
        JsonArray list = array(o, "decoders", where);
        for (int i = 0; i < list.size(); i++) {
          decoder(list.get(i), where + ".decoders[" + i + "]", depth + 1);
        }
      }
      case "Replace" -> pattern(o, where);
      default -> {}
    }
  }

  /** A {@code pattern} of {@code {"String": s}} or {@code {"Regex": r}}. */
  private void pattern(JsonObject o, String where) {
    JsonElement p = o.get("pattern");
    if (p == null || !p.isJsonObject() || p.getAsJsonObject().size() != 1) {
      throw bad(where + ".pattern", "must be {\"String\": ..} or {\"Regex\": ..}");
    }
    JsonObject po = p.getAsJsonObject();
    if (po.has("String")) {
      string(po, "String", where + ".pattern");
    } else if (po.has("Regex")) {
      regex(string(po, "Regex", where + ".pattern"), where + ".pattern.Regex");
    } else {
      throw bad(where + ".pattern", "must be {\"String\": ..} or {\"Regex\": ..}");
    }
  }

  /**
   * Refuses regexes that can backtrack catastrophically: a repeated group whose body repeats or
   * alternates, and back-references.
   */
  void regex(String re, String where) {
    if (re.length() > MAX_PATTERN_LENGTH) {
      throw bad(where, "is " + re.length() + " characters long; at most " + MAX_PATTERN_LENGTH);
    }
    // per open group: whether its body holds a quantifier or an alternation
    ArrayDeque<boolean[]> groups = new ArrayDeque<>();
    boolean[] top = new boolean[1];
    boolean lastWasGroupWithRepeat = false;
    int i = 0;
    while (i < re.length()) {
      char c = re.charAt(i);
      boolean closedRepeating = false;
      switch (c) {
        case '\\' -> {
          if (i + 1 < re.length()) {
            char n = re.charAt(i + 1);
            if ((n >= '1' && n <= '9') || n == 'k' || n == 'g') {
              throw bad(where, "uses the back-reference \\" + n + ": \"" + re + "\"");
            }
          }
          i += 2;
          lastWasGroupWithRepeat = false;
          continue;
        }
        case '[' -> {
          // skip a character class, including nested classes and escapes
          int level = 0;
          while (i < re.length()) {
            char d = re.charAt(i);
            if (d == '\\') {
              i += 2;
              continue;
            }
            if (d == '[') {
              level++;
            } else if (d == ']' && --level == 0) {
              break;
            }
            i++;
          }
          i++;
          lastWasGroupWithRepeat = false;
          continue;
        }
        case '(' -> {
          groups.push(top);
          top = new boolean[1];
        }
        case ')' -> {
          closedRepeating = top[0];
          boolean[] inner = top;
          top = groups.isEmpty() ? new boolean[1] : groups.pop();
          top[0] |= inner[0];
        }
        case '|' -> top[0] = true;
        case '*', '+', '{' -> {
          if (lastWasGroupWithRepeat && !(c == '{' && boundedByOne(re, i))) {
            throw bad(
                where,
                "repeats a group that itself repeats or alternates, which can backtrack"
                    + " catastrophically: \""
                    + re
                    + "\"");
          }
          top[0] = true;
        }
        case '?' -> {}
        default -> {}
      }
      lastWasGroupWithRepeat = closedRepeating;
      i++;
    }
  }

  /** Whether {@code {..}} at {@code i} is {@code {0,1}}, {@code {1}} or {@code {0}}. */
  private static boolean boundedByOne(String re, int i) {
    int end = re.indexOf('}', i);
    if (end < 0) {
      return false;
    }
    String body = re.substring(i + 1, end).replace(" ", "");
    return body.equals("0") || body.equals("1") || body.equals("0,1") || body.equals("1,1");
  }

  /** The SentencePiece precompiled charsmap: {@code u32 trie size, trie units, UTF-8 strings}. */
  private void charsmap(JsonElement e, String where) {
    if (e == null || e.isJsonNull()) {
      return; // an absent charsmap is an identity normalizer
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw bad(where, "must be a base64 string");
    }
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(e.getAsString());
    } catch (IllegalArgumentException x) {
      throw bad(where, "is not valid base64 (" + x.getMessage() + ")");
    }
    if (blob.length < 4) {
      throw bad(where, "holds " + blob.length + " bytes, fewer than its 4-byte trie size");
    }
    ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
    long trieBytes = b.getInt() & 0xffffffffL;
    if (trieBytes % 4 != 0 || trieBytes == 0 || trieBytes > blob.length - 4) {
      throw bad(
          where,
          "declares a trie of "
              + trieBytes
              + " bytes, but that must be a positive multiple of 4 within the "
              + (blob.length - 4)
              + " bytes that follow");
    }
    int n = (int) (trieBytes / 4);
    int[] units = new int[n];
    for (int k = 0; k < n; k++) {
      units[k] = b.getInt();
    }
    byte[] normalized = java.util.Arrays.copyOfRange(blob, 4 + (int) trieBytes, blob.length);
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(normalized));
    } catch (CharacterCodingException x) {
      throw bad(where, "has a normalized-strings blob that is not UTF-8");
    }
    // walk every state the library's common_prefix_search can reach, on any byte 1..255
    BitSet seen = new BitSet(n);
    ArrayDeque<Integer> todo = new ArrayDeque<>();
    int root = offset(units[0]);
    todo.add(root);
    seen.set(Math.min(root, n));
    while (!todo.isEmpty()) {
      int p = todo.poll();
      for (int c = 1; c < 256; c++) {
        int q = p ^ c;
        if (q >= n) {
          throw bad(where, "has a trie that steps to unit " + q + " of " + n + " on byte " + c);
        }
        int unit = units[q];
        if ((unit & (0x80000000 | 0xff)) != c) {
          continue;
        }
        int next = q ^ offset(unit);
        if (((unit >>> 8) & 1) == 1) {
          if (next >= n) {
            throw bad(where, "has a trie leaf at unit " + next + " of " + n);
          }
          int value = units[next] & 0x7fffffff;
          if (value > normalized.length
              || (value < normalized.length && (normalized[value] & 0xc0) == 0x80)) {
            throw bad(
                where,
                "has a replacement at byte "
                    + value
                    + ", which is not a character of its "
                    + normalized.length
                    + "-byte normalized strings");
          }
        }
        if (next < n && !seen.get(next)) {
          seen.set(next);
          todo.add(next);
        } else if (next >= n) {
          // any further byte would index beyond the trie
          throw bad(where, "has a trie that steps to unit " + next + " of " + n);
        }
      }
    }
  }

  private static int offset(int unit) {
    return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
  }

  /**
   * Checks a {@code TemplateProcessing} post-processor ({@code null} or JSON null is accepted).
   *
   * @param e the post-processor
   */
  void postProcessor(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return;
    }
    String where = "post_processor";
    JsonObject o = component(e, where, Set.of("TemplateProcessing"), 0);
    JsonElement st = o.get("special_tokens");
    if (st == null || !st.isJsonObject()) {
      throw bad(where + ".special_tokens", "must be an object");
    }
    JsonObject specials = st.getAsJsonObject();
    for (var entry : specials.entrySet()) {
      String w = where + ".special_tokens[\"" + entry.getKey() + "\"]";
      if (!entry.getValue().isJsonObject()) {
        throw bad(w, "must be an object");
      }
      JsonObject s = entry.getValue().getAsJsonObject();
      JsonArray ids = array(s, "ids", w);
      JsonArray tokens = array(s, "tokens", w);
      if (ids.isEmpty() || ids.size() != tokens.size()) {
        throw bad(
            w,
            "must list as many ids as tokens (at least one), but lists "
                + ids.size()
                + " ids and "
                + tokens.size()
                + " tokens");
      }
      for (int k = 0; k < ids.size(); k++) {
        JsonElement id = ids.get(k);
        JsonElement tok = tokens.get(k);
        if (!tok.isJsonPrimitive() || !tok.getAsJsonPrimitive().isString()) {
          throw bad(w + ".tokens[" + k + "]", "must be a string, but is: " + tok);
        }
        Integer expected = vocab.get(tok.getAsString());
        if (expected == null) {
          throw bad(
              w + ".tokens[" + k + "]", "\"" + tok.getAsString() + "\" is not in the vocabulary");
        }
        if (!id.isJsonPrimitive()
            || !id.getAsJsonPrimitive().isNumber()
            || id.getAsDouble() != expected) {
          throw bad(
              w + ".ids[" + k + "]",
              "is "
                  + id
                  + ", but \""
                  + tok.getAsString()
                  + "\" has id "
                  + expected
                  + " in the vocabulary");
        }
      }
    }
    for (String part : new String[] {"single", "pair"}) {
      JsonElement p = o.get(part);
      if (p == null || p.isJsonNull()) {
        continue;
      }
      if (!p.isJsonArray()) {
        throw bad(where + "." + part, "must be an array");
      }
      JsonArray items = p.getAsJsonArray();
      for (int k = 0; k < items.size(); k++) {
        String w = where + "." + part + "[" + k + "]";
        if (!items.get(k).isJsonObject() || items.get(k).getAsJsonObject().size() != 1) {
          throw bad(w, "must be {\"Sequence\": ..} or {\"SpecialToken\": ..}");
        }
        JsonObject item = items.get(k).getAsJsonObject();
        if (item.has("Sequence") && item.get("Sequence").isJsonObject()) {
          String id = string(item.getAsJsonObject("Sequence"), "id", w + ".Sequence");
          if (!id.equals("A") && !id.equals("B")) {
            throw bad(
                w + ".Sequence.id",
                "must be A or B, but is: \"" + dev.diffusion4j.Messages.quote(id) + "\"");
          }
          if (part.equals("single") && !id.equals("A")) {
            // tokenizers' TemplateProcessing indexes the second sequence of a single input out of
            // bounds (template.rs: "index out of bounds"), a panic that aborts the JVM
            throw bad(
                w + ".Sequence.id",
                "must be A in the single-sequence template (a prompt is one sequence), but is: \""
                    + id
                    + "\"");
          }
        } else if (item.has("SpecialToken") && item.get("SpecialToken").isJsonObject()) {
          String id = string(item.getAsJsonObject("SpecialToken"), "id", w + ".SpecialToken");
          if (!specials.has(id)) {
            throw bad(
                w + ".SpecialToken.id",
                "names \"" + id + "\", which special_tokens does not define: " + specials.keySet());
          }
        } else {
          throw bad(w, "must be {\"Sequence\": ..} or {\"SpecialToken\": ..}");
        }
      }
    }
  }

  private static String abbreviate(JsonElement e) {
    String s = String.valueOf(e);
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
