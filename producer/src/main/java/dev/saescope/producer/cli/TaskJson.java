package dev.saescope.producer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.saescope.schemas.Task;

/**
 * A task as one line of JSON, the {@code --dry-run} output, with the Avro field names: {@code
 * run_id, task_id, item_id, relation, subject, gold_objects, variant, family, template_id,
 * question, answer, text, answer_start, object_in_subject}. {@code created_at_ms} and {@code
 * sae_ids} are left out, so the same seed prints byte-identical lines.
 */
public final class TaskJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TaskJson() {}

  public static String line(Task t) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("run_id", t.runId());
    o.put("task_id", t.taskId());
    o.put("item_id", t.itemId());
    o.put("relation", t.relation());
    o.put("subject", t.subject());
    ArrayNode gold = o.putArray("gold_objects");
    t.goldObjects().forEach(gold::add);
    o.put("variant", t.variant().wireName());
    if (t.family() == null) {
      o.putNull("family");
    } else {
      o.put("family", t.family());
    }
    o.put("template_id", t.templateId());
    o.put("question", t.question());
    o.put("answer", t.answer());
    o.put("text", t.text());
    o.put("answer_start", t.answerStart());
    o.put("object_in_subject", t.objectInSubject());
    try {
      return MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write task " + t.taskId() + " as JSON", e);
    }
  }
}
