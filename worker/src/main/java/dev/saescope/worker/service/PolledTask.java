package dev.saescope.worker.service;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * A polled task record, checked once: accepted, or rejected as poison (undecodable included).
 *
 * @param <P> what the processor keeps of an accepted task
 */
record PolledTask<P>(ConsumerRecord<String, byte[]> record, TaskProcessor.Checked<P> checked) {

  TopicPartition partition() {
    return new TopicPartition(record.topic(), record.partition());
  }

  /** Its cost in the micro-batch's token budget: poison rides along at no cost. */
  int tokens() {
    return checked instanceof TaskProcessor.Accepted<P> a ? a.tokens() : 0;
  }
}
