/**
 * Text to token ids and back for Gemma models, through DJL's Hugging Face tokenizers (native
 * library from Maven Central, read offline from a {@code tokenizer.json}): BOS handling, character
 * offsets, display strings, and the check that a tokenizer fits its model. It does not run models.
 */
package dev.saescope.runtime.tokenizer;
