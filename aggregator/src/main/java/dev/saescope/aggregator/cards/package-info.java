/**
 * Latent cards (EXPERIMENTS.md E3a): per latent of an SAE in a run, firing count, largest
 * activation, the strongest contexts and a histogram, built from whole results and merged in any
 * order to the same card; bounded in size per latent. No Kafka: the stream stage stores them.
 */
package dev.saescope.aggregator.cards;
