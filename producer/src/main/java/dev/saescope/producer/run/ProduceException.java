package dev.saescope.producer.run;

/** A run cannot start or go on: an unknown relation, nothing left to produce, a bad item. */
public final class ProduceException extends Exception {
  public ProduceException(String message) {
    super(message);
  }

  public ProduceException(String message, Throwable cause) {
    super(message, cause);
  }
}
