package dev.saescope.schemas.serde;

/**
 * A message that could not be decoded, with where it came from. The worker routes these to the
 * dead-letter topic; the message text names topic, partition, offset and what was wrong.
 */
public final class DecodeException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Partition or offset value when the message did not come from a consumer record. */
  public static final int UNKNOWN = -1;

  private final String topic;
  private final int partition;
  private final long offset;
  private final DecodeFailure failure;
  private final String detail;

  public DecodeException(
      String topic,
      int partition,
      long offset,
      DecodeFailure failure,
      String detail,
      Throwable cause) {
    super(
        "cannot decode message at topic "
            + topic
            + " partition "
            + (partition == UNKNOWN ? "?" : Integer.toString(partition))
            + " offset "
            + (offset == UNKNOWN ? "?" : Long.toString(offset))
            + ": "
            + detail,
        cause);
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.failure = failure;
    this.detail = detail;
  }

  /** The topic the bytes came from (or a description when not from Kafka). */
  public String topic() {
    return topic;
  }

  /** The partition, or {@link #UNKNOWN}. */
  public int partition() {
    return partition;
  }

  /** The offset, or {@link #UNKNOWN}. */
  public long offset() {
    return offset;
  }

  /** What kind of failure this is. */
  public DecodeFailure failure() {
    return failure;
  }

  /** The failure without the location prefix. */
  public String detail() {
    return detail;
  }
}
