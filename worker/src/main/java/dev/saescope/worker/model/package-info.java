/**
 * The Gemma 2 / Gemma 3 text model: its configuration, forward pass with capture, and logit lens.
 * It does not read files (see {@code weights}) or know about Kafka.
 */
package dev.saescope.worker.model;
