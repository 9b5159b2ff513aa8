package dev.saescope.common.kafka;

/** A task could not be published; the message names the topic and, when known, the task or key. */
public final class PublishException extends Exception {
  private static final long serialVersionUID = 1L;

  public PublishException(String message, Throwable cause) {
    super(message, cause);
  }
}
