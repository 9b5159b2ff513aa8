package dev.saescope.schemas.serde;

import dev.saescope.schemas.DeadLetterReason;

/** Why a message could not be decoded; each maps to the dead-letter reason a worker records. */
public enum DecodeFailure {
  /** Missing, short or wrong single-object header (not an Avro single-object message). */
  BAD_HEADER,
  /** A well-formed header whose schema fingerprint no released schema has. */
  UNKNOWN_SCHEMA,
  /** The body does not parse against the writer schema (truncated, corrupt). */
  MALFORMED,
  /** The body parsed, but the content breaks one of our records' invariants. */
  INVALID;

  /** The reason to record on the dead-letter topic. */
  public DeadLetterReason deadLetterReason() {
    return switch (this) {
      case BAD_HEADER, MALFORMED -> DeadLetterReason.UNDECODABLE;
      case UNKNOWN_SCHEMA -> DeadLetterReason.UNKNOWN_SCHEMA;
      case INVALID -> DeadLetterReason.INVALID;
    };
  }
}
