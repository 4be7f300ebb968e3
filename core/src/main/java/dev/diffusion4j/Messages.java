package dev.diffusion4j;

/**
 * Quotes user input for error and log messages, so that a prompt, a path, a name or a pattern
 * cannot forge lines in a log: control characters (ESC, CR, LF, NUL, DEL, the C1 controls and the
 * Unicode line and paragraph separators) are written as Java escapes ({@code \n}, {@code \r},
 * {@code \t}, {@code \u001b}), a backslash as {@code \\}, and input longer than {@link #MAX_CHARS}
 * is cut with a note of its length. Every message of the library that echoes user input goes
 * through {@link #quote(Object)}. Stateless and thread-safe.
 */
public final class Messages {

  /** The most characters of one input a message echoes: {@value}. */
  public static final int MAX_CHARS = 200;

  private Messages() {}

  /**
   * Returns {@code String.valueOf(input)} with its control characters escaped and cut to {@link
   * #MAX_CHARS} characters.
   *
   * @param input a value from the user (a path, a prompt, a name); may be {@code null}
   * @return a single-line, printable form of it
   */
  public static String quote(Object input) {
    String s = String.valueOf(input);
    String escaped = escape(s, Math.min(s.length(), MAX_CHARS), true);
    return s.length() > MAX_CHARS ? escaped + "... (" + s.length() + " chars)" : escaped;
  }

  /**
   * Returns a whole message with its control characters escaped as {@link #quote(Object)} does, but
   * not cut: for a program that prints an exception's message as one line of its log.
   *
   * @param message a message; may be {@code null}
   * @return the message on one line
   */
  public static String singleLine(String message) {
    String s = String.valueOf(message);
    return escape(s, s.length(), false);
  }

  private static String escape(String s, int n, boolean backslash) {
    StringBuilder b = new StringBuilder(n + 16);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\\' -> b.append(backslash ? "\\\\" : "\\");
        default -> {
          if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }
}
