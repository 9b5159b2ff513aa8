package dev.saescope.runtime.weights;

import java.io.IOException;
import java.nio.file.Path;

/** A weights or tokenizer file that cannot be used; the message names the file and tensor. */
public final class WeightsException extends IOException {
  private static final long serialVersionUID = 1L;

  public WeightsException(Path file, String message) {
    super(file + ": " + message);
  }

  public WeightsException(Path file, String tensor, String message) {
    super(file + ": tensor '" + tensor + "': " + message);
  }

  public WeightsException(Path file, String message, Throwable cause) {
    super(file + ": " + message, cause);
  }
}
