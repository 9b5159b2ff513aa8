package dev.saescope.common.kafka;

import dev.saescope.schemas.Task;
import dev.saescope.schemas.Variant;
import java.util.List;

/** Small valid tasks for Kafka tests. */
final class TestTask {
  private TestTask() {}

  static Task direct(String itemId, int n) {
    String q = "What is the capital of country " + n + "?";
    String a = "City" + n;
    String text = "Question: " + q + "\nAnswer: " + a;
    return new Task(
        "run-t",
        itemId + ":direct:" + n,
        itemId,
        "P36",
        "Country" + n,
        List.of(a, a + " City"),
        Variant.DIRECT,
        null,
        "q0/a0",
        q,
        a,
        text,
        text.length() - a.length(),
        n % 5 == 0,
        List.of(),
        1000L + n);
  }
}
