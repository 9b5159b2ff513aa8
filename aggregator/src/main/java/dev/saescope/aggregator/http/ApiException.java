package dev.saescope.aggregator.http;

/** A request the API answers with a 4xx/5xx JSON error; the message names what is wrong. */
public final class ApiException extends RuntimeException {
  private final int status;
  private final String location;
  private final long retryAfterSeconds;

  private ApiException(int status, String message, String location) {
    this(status, message, location, -1);
  }

  private ApiException(int status, String message, String location, long retryAfterSeconds) {
    super(message);
    this.status = status;
    this.location = location;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The client is over its rate limit: 429 with {@code Retry-After}. */
  public static ApiException tooMany(String message, long retryAfterSeconds) {
    return new ApiException(429, message, null, retryAfterSeconds);
  }

  /** Seconds for {@code Retry-After}, or -1 for none. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, message, null);
  }

  public static ApiException notFound(String message) {
    return new ApiException(404, message, null);
  }

  /** The state lives on another instance: a temporary redirect to the same path there. */
  public static ApiException elsewhere(String hostPort, String path) {
    return new ApiException(307, "served by " + hostPort, "http://" + hostPort + path);
  }

  /** State is moving (rebalance, restore): the client should try again shortly. */
  public static ApiException unavailable(String message) {
    return new ApiException(503, message, null);
  }

  public int status() {
    return status;
  }

  /** The redirect target, or null. */
  public String location() {
    return location;
  }
}
