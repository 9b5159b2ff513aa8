/**
 * The aggregator: turns the results stream into the statistics of EXPERIMENTS.md. This first part
 * holds the per-result measures; the streaming state, HTTP API and dashboard come with the
 * aggregator issue.
 */
package dev.saescope.aggregator;
