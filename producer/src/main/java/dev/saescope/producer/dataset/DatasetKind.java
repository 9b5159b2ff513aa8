package dev.saescope.producer.dataset;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

/** The dataset layouts the producer reads, by their command-line names. */
public enum DatasetKind {
  /** The {@code data/} folder of Hunter-DDM/knowledge-neurons. */
  KNOWLEDGE_NEURONS("knowledge-neurons"),
  /** The {@code data/} folder of yanaiela/pararel. */
  PARAREL("pararel"),
  /** Our JSONL item format: a file, or {@code -} for stdin (streaming). */
  JSONL("jsonl");

  /** The {@code --data} value meaning "stdin". */
  public static final String STDIN = "-";

  private final String cliName;

  DatasetKind(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  public static DatasetKind fromCliName(String name) {
    for (DatasetKind k : values()) {
      if (k.cliName.equals(name)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "unknown dataset \""
            + name
            + "\"; expected one of "
            + Arrays.stream(values()).map(DatasetKind::cliName).toList());
  }

  /**
   * Opens a source of this kind.
   *
   * @param data a folder (knowledge-neurons, pararel), a file, or {@code -} (jsonl only)
   * @param parser the JSONL item parser (knows which relations have question templates)
   * @param stdin read when {@code data} is {@code -}
   * @param warnings receives skipped-line warnings of a stream
   */
  public ItemSource open(
      String data, JsonlItemParser parser, InputStream stdin, Consumer<String> warnings)
      throws DatasetException {
    if (STDIN.equals(data) && this != JSONL) {
      throw new DatasetException(data, "stdin (-) is only for --dataset jsonl, not " + cliName);
    }
    return switch (this) {
      case KNOWLEDGE_NEURONS -> new ItemSource.Whole(KnowledgeNeuronsReader.read(Path.of(data)));
      case PARAREL -> new ItemSource.Whole(ParaRelReader.read(Path.of(data)));
      case JSONL ->
          STDIN.equals(data)
              ? new ItemSource.Streamed(new JsonlItemStream(stdin, "<stdin>", parser, warnings))
              : new ItemSource.Whole(JsonlItemFile.read(Path.of(data), parser));
    };
  }
}
