package dev.diffusion4j.text;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Whether DJL's HuggingFace tokenizers, an optional dependency of the library, are on the
 * classpath. Only the T5 text encoder needs them; checked before any class that uses them loads, so
 * that a missing jar is a message naming it rather than a {@link NoClassDefFoundError}.
 */
public final class Tokenizers {

  /** The class whose presence tells that the tokenizers are on the classpath. */
  static final String TOKENIZER_CLASS = "ai.djl.huggingface.tokenizers.HuggingFaceTokenizer";

  private Tokenizers() {}

  /**
   * Tells whether the tokenizers can be loaded.
   *
   * @return whether DJL's HuggingFace tokenizers are on the classpath
   */
  public static boolean available() {
    return present(TOKENIZER_CLASS);
  }

  /**
   * Checks that the tokenizers can be loaded.
   *
   * @param what what needs them, for the message
   * @throws IllegalStateException naming the Maven dependency to add when they are absent
   */
  public static void require(String what) {
    require(TOKENIZER_CLASS, what);
  }

  static void require(String className, String what) {
    if (!present(className)) {
      throw new IllegalStateException(
          what
              + " needs DJL's HuggingFace tokenizers, an optional dependency of diffusion4j-core:"
              + " add ai.djl.huggingface:tokenizers:"
              + djlVersion()
              + " to the project (or use precomputed prompt embeddings, embeddings.safetensors,"
              + " without the text encoder)");
    }
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, Tokenizers.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  private static String djlVersion() {
    Properties p = new Properties();
    try (InputStream in =
        Tokenizers.class.getResourceAsStream("/dev/diffusion4j/diffusion4j.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // fall through to the default
    }
    return p.getProperty("djl.version", "VERSION");
  }
}
