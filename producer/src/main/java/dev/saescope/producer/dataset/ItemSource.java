package dev.saescope.producer.dataset;

/** Where items come from: a dataset read whole, or a stream of JSONL items (stdin). */
public sealed interface ItemSource permits ItemSource.Whole, ItemSource.Streamed {

  /** A dataset read whole: items can be shuffled and limited, counterfactual pools are fixed. */
  record Whole(Dataset dataset) implements ItemSource {}

  /** Items arriving one by one; each is turned into tasks as soon as it arrives. */
  record Streamed(JsonlItemStream stream) implements ItemSource {}
}
