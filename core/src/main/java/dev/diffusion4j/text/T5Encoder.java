package dev.diffusion4j.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import dev.diffusion4j.DiffusionException;
import dev.diffusion4j.model.OnnxModel;
import dev.diffusion4j.model.SessionSettings;
import dev.diffusion4j.model.TensorSpec;
import dev.diffusion4j.tensor.Tensor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Encodes prompts as IF does: the HuggingFace tokenizer (DJL; max length 77, padding and
 * truncation, attention mask) feeding a T5 encoder session ({@code input_ids} int64 [B, 77], {@code
 * attention_mask} int64 [B, 77] -> {@code last_hidden_state} float [B, 77, W], W = 4096 for IF's T5
 * v1.1 XXL). The embeddings of the {@value #CACHE_SIZE} most recently used prompts are cached
 * (least recently used first out; 1.2 MiB each), so a long-running service that sees many distinct
 * prompts keeps a bounded heap. A prompt of more than 77 tokens is truncated with one warning in
 * the log.
 *
 * <p>The tokenizer file is validated in Java before the native library reads it, and DJL is told to
 * use its bundled CPU native library ({@code RUST_FLAVOR=cpu}) so that a GPU host never tries to
 * download another one. Thread-safe; closes the tokenizer and the session it opened. {@link
 * #close()} waits for tokenizations and encodings in progress on other threads (the native
 * tokenizer would crash if it were freed under them), and any call afterwards throws {@link
 * IllegalStateException}.
 */
public final class T5Encoder implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(T5Encoder.class.getName());

  /** How many prompts' embeddings are cached: {@value} (about 80 MiB). */
  public static final int CACHE_SIZE = 64;

  /** How many truncated prompts are remembered so that each is warned about once. */
  private static final int WARNED_SIZE = 1024;

  private final HuggingFaceTokenizer tokenizer;
  private final OnnxModel model;
  private final Map<String, Tensor> cache = lru(CACHE_SIZE);
  private final Map<String, Boolean> warned = lru(WARNED_SIZE);
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private static <V> Map<String, V> lru(int size) {
    return Collections.synchronizedMap(
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
            return size() > size;
          }
        });
  }

  private T5Encoder(HuggingFaceTokenizer tokenizer, OnnxModel model) {
    this.tokenizer = tokenizer;
    this.model = model;
  }

  /**
   * Opens the tokenizer and the encoder.
   *
   * @param tokenizerJson a T5 {@code tokenizer.json}
   * @param encoderOnnx the encoder's .onnx file
   * @param settings how to open the session
   * @return the encoder
   * @throws IllegalArgumentException naming the file when the tokenizer is malformed or not T5's,
   *     or the encoder does not match the contract
   * @throws IllegalStateException naming the dependency when DJL's tokenizers are not on the
   *     classpath
   */
  public static T5Encoder open(Path tokenizerJson, Path encoderOnnx, SessionSettings settings) {
    Tokenizers.require("the T5 text encoder");
    HuggingFaceTokenizer tok = openTokenizer(tokenizerJson);
    try {
      OnnxModel m =
          new OnnxModel(
              encoderOnnx,
              settings,
              List.of(
                  TensorSpec.of(
                      "input_ids", Set.of(OnnxJavaType.INT64), -1, PromptEmbeddings.TOKENS),
                  TensorSpec.of(
                      "attention_mask", Set.of(OnnxJavaType.INT64), -1, PromptEmbeddings.TOKENS)),
              List.of(
                  TensorSpec.of(
                      "last_hidden_state",
                      Set.of(OnnxJavaType.FLOAT, OnnxJavaType.FLOAT16),
                      -1,
                      PromptEmbeddings.TOKENS,
                      -1)));
      return new T5Encoder(tok, m);
    } catch (RuntimeException e) {
      tok.close();
      throw e;
    }
  }

  /**
   * Opens a T5 tokenizer, validating the file first (max length 77, padding to it, truncation).
   *
   * @param tokenizerJson the tokenizer.json
   * @return the tokenizer; the caller closes it
   */
  static HuggingFaceTokenizer openTokenizer(Path tokenizerJson) {
    TokenizerFile.validateT5(tokenizerJson);
    if (System.getProperty("RUST_FLAVOR") == null && System.getenv("RUST_FLAVOR") == null) {
      System.setProperty("RUST_FLAVOR", "cpu");
    }
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    Map<String, String> options = new LinkedHashMap<>();
    options.put("maxLength", Integer.toString(PromptEmbeddings.TOKENS));
    options.put("padding", "max_length");
    options.put("truncation", "true");
    options.put("addSpecialTokens", "true");
    try {
      return HuggingFaceTokenizer.newInstance(tokenizerJson, options);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "tokenizer file "
              + dev.diffusion4j.Messages.quote(tokenizerJson)
              + " cannot be loaded: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Tokenizes a prompt as the encoder sees it.
   *
   * @param prompt the text
   * @return the ids (77) and the attention mask (77)
   */
  public long[][] tokenize(String prompt) {
    if (prompt == null) {
      throw new IllegalArgumentException("prompt must not be null");
    }
    lock.readLock().lock();
    try {
      checkOpen();
      return tokenizeOpen(prompt);
    } finally {
      lock.readLock().unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this T5 encoder is closed");
    }
  }

  private long[][] tokenizeOpen(String prompt) {
    Encoding e;
    try {
      e = tokenizer.encode(prompt);
    } catch (RuntimeException failure) {
      // the native tokenizer fails this way on a piece outside its vocabulary when its Unigram
      // model has no unk_id ("Encountered an unknown token but `unk_id` is missing")
      throw new IllegalArgumentException(
          "prompt cannot be tokenized: \""
              + dev.diffusion4j.Messages.quote(prompt)
              + "\" ("
              + dev.diffusion4j.Messages.quote(failure.getMessage())
              + "); a tokenizer.json without model.unk_id cannot encode a character outside its"
              + " vocabulary: remove that character or use a tokenizer with an unk_id",
          failure);
    }
    if (e.exceedMaxLength() && warned.put(prompt, Boolean.TRUE) == null) {
      LOG.log(
          Level.WARNING,
          "prompt is longer than {0} tokens and was truncated: \"{1}\"",
          PromptEmbeddings.TOKENS,
          dev.diffusion4j.Messages.quote(
              prompt.length() > 60 ? prompt.substring(0, 60) + "..." : prompt));
    }
    return new long[][] {e.getIds(), e.getAttentionMask()};
  }

  /**
   * Returns the embedding of a prompt, from the cache or by running the encoder.
   *
   * @param prompt the text
   * @return a {@code [1, 77, 4096]} tensor
   */
  public Tensor encode(String prompt) {
    if (prompt == null) {
      throw new IllegalArgumentException("prompt must not be null");
    }
    lock.readLock().lock();
    try {
      checkOpen();
      Tensor cached = cache.get(prompt);
      return cached != null ? cached : encodeOpen(prompt);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Returns how many prompts' embeddings are cached now.
   *
   * @return at most {@link #CACHE_SIZE}
   */
  public int cachedPrompts() {
    return cache.size();
  }

  private Tensor encodeOpen(String prompt) {
    long[][] tok = tokenizeOpen(prompt);
    long[] shape = {1, PromptEmbeddings.TOKENS};
    Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
    try {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      feeds.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(tok[0]), shape));
      feeds.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(tok[1]), shape));
    } catch (OrtException e) {
      feeds.values().forEach(OnnxTensor::close);
      throw new DiffusionException("cannot create the encoder's inputs", e);
    }
    OnnxModel.FloatOutput out =
        model.run(
            feeds,
            "last_hidden_state",
            "the prompt \"" + dev.diffusion4j.Messages.quote(prompt) + "\"",
            1,
            PromptEmbeddings.TOKENS,
            PromptEmbeddings.WIDTH);
    Tensor t = Tensor.wrap(out.data(), out.intShape());
    cache.putIfAbsent(prompt, t);
    return t;
  }

  /**
   * Closes the session and the tokenizer, after the calls in progress on other threads. Idempotent.
   */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        try {
          model.close();
        } finally {
          tokenizer.close();
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
