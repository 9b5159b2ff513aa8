/**
 * The producer role: turns datasets of relational facts (and JSONL items streamed on stdin) into
 * prompt tasks for the workers. It owns reading, item and variant building and publishing; the
 * Kafka plumbing itself lives in {@code dev.saescope.common}.
 */
package dev.saescope.producer;
