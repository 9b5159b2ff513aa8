/**
 * Measures computed from one result message (distances between the question's end and the answer)
 * and the statistics over items that the tables report: bootstrap intervals, sign-flip tests with
 * the max-over-layers correction, AUROC and Cohen's d_z, each a function of the set of keyed
 * observations and a seed, never of their arrival order. Pure data in, numbers out: no Kafka, no
 * I/O, no streaming state.
 */
package dev.saescope.aggregator.stats;
