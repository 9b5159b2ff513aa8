package dev.saescope.worker.service;

import dev.saescope.schemas.DeadLetterReason;
import dev.saescope.schemas.serde.DeadLetters;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A task record that goes to the dead-letter topic, and why: it did not decode, the processor
 * rejected it, or computing it failed on its own.
 */
record Poison(ConsumerRecord<String, byte[]> record, DeadLetterReason reason, String detail) {

  /** The dead letter, keeping the record's key and value bytes whole. */
  byte[] encode(String workerId, long nowMs) {
    return DeadLetters.encode(reason, detail, record, "worker", workerId, nowMs);
  }
}
