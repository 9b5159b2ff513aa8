package dev.saescope.common.kafka;

/**
 * The broker answered but refused a topic operation (authorization, invalid settings ...); names
 * the topic.
 */
public final class TopicAdminException extends Exception {
  private static final long serialVersionUID = 1L;

  public TopicAdminException(String message, Throwable cause) {
    super(message, cause);
  }
}
