/**
 * What the analyses keep of one task: {@link dev.saescope.aggregator.observe.TaskObservations}
 * reduces the whole per-layer results of a task to one {@link
 * dev.saescope.aggregator.observe.TaskObservation} (the figures of EXPERIMENTS.md §3-§5 and, for a
 * sample of items, compact float16 vectors), with a versioned byte form for state stores. Pure: no
 * Kafka, no I/O; the statistics over items live in the experiment packages.
 */
package dev.saescope.aggregator.observe;
