/**
 * The Gemma 2 / Gemma 3 text model on DJL's PyTorch engine in fp32: forward pass with capture and
 * patching at any layer and site, next-token log-probabilities and the logit lens (LogitLens),
 * matching transformers' eager fp32 path (see HfGoldenTest). Batches are right-padded with masks.
 * It does not read files (see weights), tokenize, or know about Kafka.
 */
package dev.saescope.runtime.model;
