package dev.saescope.schemas;

import java.util.List;

/** Hand-made tasks for tests: one per variant, every field set to something recognisable. */
public final class TestTasks {
  private TestTasks() {}

  public static Task direct() {
    String q = "What is the capital of France?";
    String text = "Question: " + q + "\nAnswer: Paris";
    return new Task(
        "run-1",
        "P36:france:direct:0",
        "P36:France",
        "P36",
        "France",
        List.of("Paris"),
        Variant.DIRECT,
        null,
        "q0/a0",
        q,
        "Paris",
        text,
        text.indexOf("Paris"),
        false,
        List.of("gemma-scope-2b-pt-res/layer_12/width_16k"),
        1_700_000_000_000L);
  }

  public static Task evasive() {
    String q = "What is the capital of France?";
    String a = "I'm not sure about France.";
    String text = "Question: " + q + "\nAnswer: " + a;
    return new Task(
        "run-1",
        "P36:france:evasive:3",
        "P36:France",
        "P36",
        "France",
        List.of("Paris"),
        Variant.EVASIVE,
        "claims_ignorance",
        "q0/ignorance2+s",
        q,
        a,
        text,
        text.indexOf(a),
        false,
        List.of(),
        0L);
  }

  public static Task cloze() {
    String text = "The capital of France is";
    return new Task(
        "run-1",
        "P36:france:cloze:1",
        "P36:France",
        "P36",
        "France",
        List.of("Paris", "Paris, France"),
        Variant.CLOZE,
        null,
        "pattern7",
        "",
        "",
        text,
        text.length(),
        true,
        List.of(),
        5L);
  }
}
