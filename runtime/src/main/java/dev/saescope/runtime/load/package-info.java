/**
 * From a --model spec to a model on the engine: parsing the spec (folder, .gguf, hf: repository,
 * alias), resolving it through the hub cache, reading the weights and loading model and tokenizer
 * together (LoadedModel), the one place every command opens a model. It owns no format and no
 * forward pass.
 */
package dev.saescope.runtime.load;
