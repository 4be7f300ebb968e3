package dev.diffusion4j.text;

import dev.diffusion4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Precomputed prompt embeddings (as {@code onnx-export/if/precompute_embeddings.py} writes them): a
 * safetensors file with one {@code [77, 4096]} tensor per prompt, named {@code prompt_<i>}, whose
 * prompt text is the metadata entry of the same name. Lets a user without the 10 GB T5 encoder run
 * every technique on the prompts the file holds.
 *
 * <p>Immutable and thread-safe.
 */
public final class PromptEmbeddings {

  /** The token count of IF's prompt embeddings. */
  public static final int TOKENS = 77;

  /** The width of T5 v1.1 XXL's hidden states, IF's embedding width (a file may hold another). */
  public static final int WIDTH = 4096;

  private final Path path;
  private final Map<String, Tensor> byPrompt;
  private final int width;

  private PromptEmbeddings(Path path, Map<String, Tensor> byPrompt, int width) {
    this.path = path;
    this.byPrompt = byPrompt;
    this.width = width;
  }

  /**
   * Reads a file of embeddings.
   *
   * @param path the .safetensors file
   * @return the embeddings
   * @throws IllegalArgumentException naming the file if it is malformed, if a tensor has no prompt
   *     in the metadata, or if an embedding is not {@code [77, W]} with the same width {@code W}
   *     ({@value #WIDTH} for IF) for all, or holds NaN or an infinity
   */
  public static PromptEmbeddings read(Path path) {
    Safetensors st = Safetensors.read(path);
    Map<String, Tensor> byPrompt = new LinkedHashMap<>();
    int width = -1;
    for (var e : st.tensors().entrySet()) {
      String prompt = st.metadata().get(e.getKey());
      if (prompt == null) {
        throw new IllegalArgumentException(
            "embeddings file "
                + path
                + " has no prompt text in its metadata for tensor '"
                + e.getKey()
                + "'");
      }
      Tensor t = e.getValue();
      int[] s = t.shape();
      if (s.length == 3 && s[0] == 1) {
        t = t.reshape(s[1], s[2]);
        s = t.shape();
      }
      if (s.length != 2 || s[0] != TOKENS || (width > 0 && s[1] != width)) {
        throw new IllegalArgumentException(
            "embeddings file "
                + path
                + ": the embedding of \""
                + dev.diffusion4j.Messages.quote(prompt)
                + "\" must have shape [77, "
                + (width > 0 ? width : s.length == 2 ? s[1] : WIDTH)
                + "], but has shape: "
                + Arrays.toString(e.getValue().shape()));
      }
      int bad = dev.diffusion4j.tensor.Finite.firstNonFinite(t.data());
      if (bad >= 0) {
        throw new IllegalArgumentException(
            "embeddings file "
                + path
                + ": the embedding of \""
                + dev.diffusion4j.Messages.quote(prompt)
                + "\" must hold finite values only, but holds "
                + dev.diffusion4j.tensor.Finite.describe(t, bad));
      }
      width = s[1];
      byPrompt.put(prompt, t.reshape(1, TOKENS, width));
    }
    return new PromptEmbeddings(path, Collections.unmodifiableMap(byPrompt), width);
  }

  /**
   * Returns the embedding width of the file's tensors.
   *
   * @return {@code W} of {@code [77, W]} ({@value #WIDTH} for IF), or -1 for an empty file
   */
  public int width() {
    return width;
  }

  /**
   * Returns the prompts the file holds.
   *
   * @return the prompt texts, in file order
   */
  public Set<String> prompts() {
    return byPrompt.keySet();
  }

  /**
   * Tells whether the file holds a prompt.
   *
   * @param prompt the text
   * @return whether it is there
   */
  public boolean contains(String prompt) {
    return byPrompt.containsKey(prompt);
  }

  /**
   * Returns the embedding of a prompt.
   *
   * @param prompt the text, exactly as in the file
   * @return a {@code [1, 77, W]} tensor
   * @throws IllegalArgumentException listing the prompts the file holds when it has not this one
   */
  public Tensor get(String prompt) {
    Tensor t = byPrompt.get(prompt);
    if (t == null) {
      throw new IllegalArgumentException(
          "unknown prompt \""
              + dev.diffusion4j.Messages.quote(prompt)
              + "\"; the embeddings file "
              + path.getFileName()
              + " holds: "
              + byPrompt.keySet()
              + " (add it with onnx-export/if/"
              + "precompute_embeddings.py or give a T5 encoder)");
    }
    return t;
  }
}
