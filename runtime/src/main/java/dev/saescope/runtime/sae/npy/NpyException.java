package dev.saescope.runtime.sae.npy;

import java.io.IOException;
import java.nio.file.Path;

/** A {@code .npy}/{@code .npz} file that cannot be read; the message names the file and array. */
public final class NpyException extends IOException {
  private static final long serialVersionUID = 1L;

  public NpyException(Path file, String array, String message) {
    super(file + (array == null ? "" : ": array '" + array + "'") + ": " + message);
  }

  public NpyException(Path file, String array, String message, Throwable cause) {
    super(file + (array == null ? "" : ": array '" + array + "'") + ": " + message, cause);
  }
}
