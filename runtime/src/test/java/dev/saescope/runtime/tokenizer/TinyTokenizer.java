package dev.saescope.runtime.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A tiny tokenizer.json for tests: word-level, Gemma's special ids, 11 tokens. */
public final class TinyTokenizer {
  private TinyTokenizer() {}

  /** A word-level tokenizer with Gemma's special ids (pad 0, eos 1, bos 2). */
  public static final String JSON =
      """
      {"version": "1.0", "truncation": null, "padding": null,
       "added_tokens": [
         {"id": 0, "content": "<pad>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 1, "content": "<eos>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
         {"id": 2, "content": "<bos>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
       "normalizer": null, "pre_tokenizer": {"type": "Whitespace"},
       "post_processor": {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]}}},
       "decoder": null,
       "model": {"type": "WordLevel", "unk_token": "<unk>",
         "vocab": {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "The": 4, "capital": 5,
                   "café": 6, "😀": 7, "Paris": 8, ".": 9, "<b>": 10}}}
      """;

  /** Writes {@link #JSON} to {@code file}. */
  public static Path write(Path file) throws IOException {
    Files.writeString(file, JSON);
    return file;
  }
}
