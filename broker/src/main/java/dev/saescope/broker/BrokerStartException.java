package dev.saescope.broker;

/** The embedded broker could not start; the message names the data directory or port. */
public final class BrokerStartException extends Exception {
  private static final long serialVersionUID = 1L;

  public BrokerStartException(String message) {
    super(message);
  }

  public BrokerStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
