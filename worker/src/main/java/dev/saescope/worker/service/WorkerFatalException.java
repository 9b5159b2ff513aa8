package dev.saescope.worker.service;

/** A failure the worker cannot recover from; the command exits non-zero with its message. */
public final class WorkerFatalException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public WorkerFatalException(String message, Throwable cause) {
    super(message, cause);
  }
}
