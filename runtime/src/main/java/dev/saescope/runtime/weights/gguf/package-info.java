/**
 * llama.cpp GGUF files: the container reader, ggml block dequantization to fp32, and the Gemma 2 /
 * Gemma 3 mapping to Hugging Face names, shapes and {@code ModelConfig}. It does not quantize or
 * write GGUF, and does not run models.
 */
package dev.saescope.runtime.weights.gguf;
