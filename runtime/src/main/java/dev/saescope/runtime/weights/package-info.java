/**
 * Reading model weights into fp32 host tensors with Hugging Face names: safetensors folders, GGUF
 * files (dequantized at load) and the Hugging Face hub cache. It does not run models.
 */
package dev.saescope.runtime.weights;
