/**
 * Reading model weights into fp32 host tensors with Hugging Face names: safetensors folders and
 * GGUF files (dequantized at load), plus the random-model writer for benchmarks. It does not find
 * files (hub, load) or run models.
 */
package dev.saescope.runtime.weights;
