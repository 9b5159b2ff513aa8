package dev.saescope.common.kafka;

/**
 * Kafka client configuration the user gave that cannot be used; the message names the option, file
 * or line.
 */
public final class KafkaConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  public KafkaConfigException(String message) {
    super(message);
  }

  public KafkaConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
