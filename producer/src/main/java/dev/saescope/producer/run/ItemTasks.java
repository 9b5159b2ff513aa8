package dev.saescope.producer.run;

import dev.saescope.producer.dataset.Item;
import dev.saescope.schemas.Task;
import java.util.List;

/** One item and the tasks built from it, in build order. */
public record ItemTasks(Item item, List<Task> tasks) {
  public ItemTasks {
    tasks = List.copyOf(tasks);
  }
}
