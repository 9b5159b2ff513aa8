/**
 * What a worker computes for a batch of tasks: the model forward pass with capture, the logit lens
 * and the SAE encodings, turned into per-layer results. It knows the model, not Kafka.
 */
package dev.saescope.worker.compute;
