package dev.saescope.aggregator.service;

import dev.saescope.aggregator.observe.ObservationOptions;
import dev.saescope.aggregator.observe.TaskObservation;
import dev.saescope.aggregator.observe.TaskObservations;
import dev.saescope.aggregator.stream.TaskFinisher;
import java.util.ArrayList;
import java.util.List;

/**
 * The one reduction from a task's whole results to stored observation bytes, stream and offline.
 */
public final class Observations {
  private Observations() {}

  public static TaskFinisher.Observer observer() {
    return results -> TaskObservations.of(results, ObservationOptions.DEFAULT).toBytes();
  }

  static List<TaskObservation> decode(List<byte[]> stored) {
    List<TaskObservation> out = new ArrayList<>(stored.size());
    for (byte[] b : stored) {
      out.add(TaskObservation.fromBytes(b));
    }
    return out;
  }
}
