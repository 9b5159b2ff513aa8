/**
 * The worker service: consumes tasks, micro-batches them by token budget, runs a {@link
 * dev.saescope.worker.service.TaskProcessor} and publishes results, dead letters and the consumed
 * offsets in one Kafka transaction. It knows Kafka and metrics, not models.
 */
package dev.saescope.worker.service;
