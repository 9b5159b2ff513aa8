package dev.saescope.worker.compute;

import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import java.util.ArrayList;
import java.util.List;

/** Bench tasks: short factual questions with direct, evasive, counterfactual and cloze forms. */
public final class BenchTasks {
  private BenchTasks() {}

  private static final String[][] FACTS = {
    {"France", "Paris"},
    {"Japan", "Tokyo"},
    {"Italy", "Rome"},
    {"Egypt", "Cairo"},
    {"Kenya", "Nairobi"},
    {"Canada", "Ottawa"},
    {"Spain", "Madrid"},
    {"Peru", "Lima"},
    {"Norway", "Oslo"},
    {"Greece", "Athens"},
    {"Chile", "Santiago"},
    {"Poland", "Warsaw"},
  };

  public static List<Task> make(String runId, int n) {
    List<Task> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String[] f = FACTS[(i / Variant.values().length) % FACTS.length];
      Variant v = Variant.values()[i % Variant.values().length];
      String q = "What is the capital of " + f[0] + "?";
      String answer =
          switch (v) {
            case DIRECT -> f[1];
            case EVASIVE -> "I am not sure I could say.";
            case COUNTERFACTUAL -> FACTS[(i + 1) % FACTS.length][1];
            case CLOZE -> "";
          };
      String text =
          v == Variant.CLOZE
              ? "The capital of " + f[0] + " is"
              : "Question: " + q + "\nAnswer: " + answer;
      int start = v == Variant.CLOZE ? text.length() : text.length() - answer.length();
      String id = runId + "-" + i;
      long now = System.currentTimeMillis();
      out.add(
          new Task(
              runId,
              id,
              "P36:" + f[0],
              "P36",
              f[0],
              List.of(f[1]),
              v,
              v == Variant.EVASIVE ? "claims_ignorance" : null,
              "bench",
              q,
              answer,
              text,
              start,
              false,
              List.of(),
              now));
    }
    return out;
  }
}
