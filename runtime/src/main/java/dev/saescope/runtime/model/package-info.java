/**
 * The Gemma 2 / Gemma 3 text model on DJL's PyTorch engine in fp32: configuration, forward pass
 * with capture and patching at any layer and site, next-token log-probabilities and the logit lens,
 * matching transformers' eager fp32 path (see HfGoldenTest). Batches are right-padded with masks.
 * It does not read files (see {@code weights}), tokenize, or know about Kafka.
 */
package dev.saescope.runtime.model;
