/**
 * What the experiment packages share: the analysis options (seed, resamples, splits), the cell of a
 * table that may be absent with a reason, per-item means (the item is the unit of resampling,
 * EXPERIMENTS.md §6) and one front to the resampling statistics of {@code stats}. No figures of its
 * own.
 */
package dev.saescope.aggregator.analysis;
