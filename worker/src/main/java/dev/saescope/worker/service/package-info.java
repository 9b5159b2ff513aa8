/**
 * The worker service: consumes tasks, micro-batches them by token budget ({@code TaskQueue}), runs
 * a {@link dev.saescope.worker.service.TaskProcessor} on each batch ({@code BatchRunner}) and
 * publishes the results (in parts when large), the dead letters and the consumed offsets in one
 * Kafka transaction ({@link dev.saescope.worker.service.WorkerLoop}); also its metrics and the
 * publishing of latent metadata. It knows Kafka and our message records, not models.
 */
package dev.saescope.worker.service;
