package dev.saescope.schemas;

/**
 * Why a message went to the dead-letter topic. The names are those of the Avro enum and of the
 * {@code reason} tag of the dead-letter meters.
 */
public enum DeadLetterReason {
  /** Not a single-object Avro message, or a body that does not parse. */
  UNDECODABLE,
  /** A schema fingerprint no released schema has. */
  UNKNOWN_SCHEMA,
  /** A task whose text is empty or blank. */
  EMPTY_TEXT,
  /** A task longer than the worker accepts. */
  TOO_LONG,
  /** A task asking for an SAE the worker does not have. */
  UNKNOWN_SAE,
  /** Content that breaks one of our records' invariants. */
  INVALID,
  /** Anything else, e.g. a task whose computation failed on its own. */
  OTHER
}
