/**
 * Experiment 2, forecasting (EXPERIMENTS.md §4): E2a direct vs evasive distances with controls and
 * splits, E2b forecasts of the answer's first token at {@code q_end}, E2c future tokens against a
 * bigram baseline. Pure functions of a run's observations and the analysis options.
 */
package dev.saescope.aggregator.e2;
