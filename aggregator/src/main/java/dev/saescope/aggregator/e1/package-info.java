/**
 * Experiment 1, representations across layers (EXPERIMENTS.md §3): E1a drift, E1b context
 * sensitivity, E1c logit lens, as tables of estimates over items. Pure functions of a run's
 * observations and the analysis options.
 */
package dev.saescope.aggregator.e1;
