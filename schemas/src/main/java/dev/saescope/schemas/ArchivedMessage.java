package dev.saescope.schemas;

/**
 * One message of a run archive ({@code ./saescope export}): which topic kind it came from, its key
 * and its bytes exactly as they were on the topic (single-object encoded, so any reader with the
 * released schemas decodes them).
 *
 * @param kind the topic kind
 * @param key the message key (item id, SAE id, run id), may be null
 * @param value the message bytes
 */
public record ArchivedMessage(TopicKind kind, String key, byte[] value) {
  public ArchivedMessage {
    Require.nonNull(kind, "kind", "archived message");
    Require.nonNull(value, "value", "archived " + kind + " message");
  }
}
