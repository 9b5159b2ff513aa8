/**
 * Builds the tasks of an item (EXPERIMENTS.md §1): direct, evasive, counterfactual and cloze
 * variants, rendered in a configurable text format, with seeded and order-independent choices and
 * stable task ids. It owns no I/O: readers are {@code dataset}, publishing is the CLI's.
 */
package dev.saescope.producer.variant;
