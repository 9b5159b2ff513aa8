package dev.saescope.common.kafka;

/**
 * Counts of a {@link TaskPublisher} so far.
 *
 * @param submitted tasks handed to the producer
 * @param acknowledged tasks the broker acknowledged (acks=all)
 * @param bytes key + value bytes of the acknowledged tasks (before compression)
 */
public record PublishStats(long submitted, long acknowledged, long bytes) {}
