/**
 * What a Gemma 2 / Gemma 3 model is, as data: ModelConfig (dimensions, norms, soft-caps, attention
 * pattern, rope bases) and the exact configurations of the models saescope knows (GemmaPresets).
 * The weights readers produce it, the model and tokenizer consume it; it reads no files and runs
 * nothing.
 */
package dev.saescope.runtime.config;
