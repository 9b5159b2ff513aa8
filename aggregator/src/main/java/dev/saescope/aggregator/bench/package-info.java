/**
 * {@code bench aggregate}: synthetic results of the worker's shapes, the aggregator's topology
 * timed on them through a broker, and the per-task reduction timed in-process. Not a test of
 * numbers.
 */
package dev.saescope.aggregator.bench;
