/**
 * Measures computed from one result message (distances between the question's end and the answer)
 * and running per-layer summaries of them. Pure data in, numbers out: no Kafka, no I/O.
 */
package dev.saescope.aggregator.stats;
