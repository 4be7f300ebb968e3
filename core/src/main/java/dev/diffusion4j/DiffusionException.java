package dev.diffusion4j;

/**
 * The library's one unchecked exception for failures at run time (as opposed to bad arguments,
 * which are {@link IllegalArgumentException}s, and misuse such as use after close, which is {@link
 * IllegalStateException}). It keeps the underlying cause, typically an {@code OrtException}.
 */
public class DiffusionException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception.
   *
   * @param message what failed
   * @param cause the underlying failure
   */
  public DiffusionException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Creates an exception without a cause.
   *
   * @param message what failed
   */
  public DiffusionException(String message) {
    super(message);
  }
}
