package dev.saescope.schemas.serde;

import dev.saescope.avro.DeadLetter;
import dev.saescope.avro.LatentInfo;
import dev.saescope.avro.PromptTask;
import dev.saescope.avro.TaskResult;
import dev.saescope.schemas.LayerResult;
import dev.saescope.schemas.Task;
import dev.saescope.schemas.TopicKind;
import org.apache.avro.specific.SpecificRecord;

/**
 * The codec of every saescope message, built once (schema resources are parsed on first use). Each
 * accessor is named after the type it returns: our records ({@link Task}, {@link LayerResult},
 * {@link dev.saescope.schemas.LatentInfo}) for the code, the generated Avro classes for tests and
 * tools that look at raw messages.
 */
public final class Codecs {
  private Codecs() {}

  private static final class Holder {
    static final AvroFormat<PromptTask> PROMPT_TASK = AvroFormat.of(PromptTask.class);
    static final AvroFormat<TaskResult> TASK_RESULT = AvroFormat.of(TaskResult.class);
    static final AvroFormat<LatentInfo> LATENT_INFO = AvroFormat.of(LatentInfo.class);
    static final AvroFormat<DeadLetter> DEAD_LETTER = AvroFormat.of(DeadLetter.class);
    static final AvroFormat<dev.saescope.avro.RunAnnouncement> RUN =
        AvroFormat.of(dev.saescope.avro.RunAnnouncement.class);
    static final MessageCodec<dev.saescope.schemas.RunAnnouncement> RUN_RECORD =
        MessageCodec.mapped(RUN, RunCodec::toAvro, RunCodec::fromAvro);
    static final MessageCodec<Task> TASK =
        MessageCodec.mapped(PROMPT_TASK, TaskCodec::toAvro, TaskCodec::fromAvro);
    static final MessageCodec<LayerResult> LAYER_RESULT =
        MessageCodec.mapped(TASK_RESULT, ResultCodec::toAvro, ResultCodec::fromAvro);
    static final MessageCodec<dev.saescope.schemas.LatentInfo> LATENT_INFO_RECORD =
        MessageCodec.mapped(LATENT_INFO, LatentInfoCodec::toAvro, LatentInfoCodec::fromAvro);
  }

  /** Tasks as our {@link Task} record (validated on decode). */
  public static MessageCodec<Task> task() {
    return Holder.TASK;
  }

  /** Tasks as the raw Avro class. */
  public static MessageCodec<PromptTask> promptTask() {
    return MessageCodec.ofAvro(Holder.PROMPT_TASK);
  }

  /** Results as our {@link LayerResult} record (validated on decode). */
  public static MessageCodec<LayerResult> layerResult() {
    return Holder.LAYER_RESULT;
  }

  /** Results as the raw Avro class. */
  public static MessageCodec<TaskResult> taskResult() {
    return MessageCodec.ofAvro(Holder.TASK_RESULT);
  }

  /**
   * Latent metadata as our {@link dev.saescope.schemas.LatentInfo} record (validated on decode).
   */
  public static MessageCodec<dev.saescope.schemas.LatentInfo> latentInfo() {
    return Holder.LATENT_INFO_RECORD;
  }

  /** Run announcements as our {@link dev.saescope.schemas.RunAnnouncement} record. */
  public static MessageCodec<dev.saescope.schemas.RunAnnouncement> runAnnouncement() {
    return Holder.RUN_RECORD;
  }

  /**
   * A run announcement read back from a store of this process's own making, where a decode failure
   * means corrupt state, not bad input.
   */
  public static dev.saescope.schemas.RunAnnouncement runAnnouncementOf(byte[] bytes) {
    try {
      return Holder.RUN_RECORD.decode(
          bytes, "runs", DecodeException.UNKNOWN, DecodeException.UNKNOWN);
    } catch (DecodeException e) {
      throw new IllegalStateException("stored run announcement: " + e.getMessage(), e);
    }
  }

  /** Dead letters as the raw Avro class. */
  public static MessageCodec<DeadLetter> deadLetter() {
    return MessageCodec.ofAvro(Holder.DEAD_LETTER);
  }

  /**
   * The format whose released schemas wrote {@code bytes}, judged by the single-object header;
   * empty when the bytes have no valid header or an unknown fingerprint (for tools reading topics
   * that are not saescope's).
   */
  public static java.util.Optional<AvroFormat<? extends SpecificRecord>> formatOf(byte[] bytes) {
    if (bytes == null
        || bytes.length < AvroFormat.HEADER_LENGTH
        || bytes[0] != (byte) 0xC3
        || bytes[1] != 0x01) {
      return java.util.Optional.empty();
    }
    return KnownSchemas.nameOf(AvroFormat.fingerprint(bytes))
        .map(
            name ->
                switch (name) {
                  case "PromptTask" -> Holder.PROMPT_TASK;
                  case "TaskResult" -> Holder.TASK_RESULT;
                  case "LatentInfo" -> Holder.LATENT_INFO;
                  case "DeadLetter" -> Holder.DEAD_LETTER;
                  case "RunAnnouncement" -> Holder.RUN;
                  default ->
                      throw new IllegalStateException("no format for released schema " + name);
                });
  }

  /** The Avro format carried by one kind of topic (for tools such as {@code tail}). */
  public static AvroFormat<? extends SpecificRecord> formatOf(TopicKind kind) {
    return switch (kind) {
      case TASKS -> Holder.PROMPT_TASK;
      case RESULTS -> Holder.TASK_RESULT;
      case LATENT_INFO -> Holder.LATENT_INFO;
      case DEAD_LETTER -> Holder.DEAD_LETTER;
      case RUNS -> Holder.RUN;
    };
  }
}
