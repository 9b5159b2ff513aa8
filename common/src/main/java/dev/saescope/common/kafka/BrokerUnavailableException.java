package dev.saescope.common.kafka;

import java.time.Duration;

/** No broker answered at the configured bootstrap servers within the bounded wait. */
public final class BrokerUnavailableException extends Exception {
  private static final long serialVersionUID = 1L;

  public BrokerUnavailableException(String bootstrapServers, Duration waited, Throwable cause) {
    super(
        "no Kafka broker answered at "
            + bootstrapServers
            + " within "
            + waited.toSeconds()
            + " s (start one with './saescope broker', or pass --bootstrap-servers / --kafka-config)",
        cause);
  }

  public BrokerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
