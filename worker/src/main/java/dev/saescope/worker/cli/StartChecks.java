package dev.saescope.worker.cli;

import dev.saescope.worker.compute.ExperimentProcessor;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks at worker start for settings that would otherwise fail late: after the model has loaded,
 * or on every task.
 */
final class StartChecks {
  private StartChecks() {}

  /**
   * The hosts of {@code bootstrap} ({@code host:port,...}) when none of them resolves, else
   * nothing: Kafka's clients need one, and would say so only after the model has loaded.
   */
  static List<String> unresolvedHosts(String bootstrap) {
    List<String> unresolved = new ArrayList<>();
    for (String entry : bootstrap.split(",")) {
      String e = entry.strip();
      int colon = e.lastIndexOf(':');
      String host = colon < 0 ? e : e.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1); // [::1]:9092
      }
      if (host.isEmpty()) {
        continue;
      }
      try {
        InetAddress.getAllByName(host);
        return List.of();
      } catch (UnknownHostException ex) {
        unresolved.add(host);
      }
    }
    return unresolved;
  }

  /**
   * An SAE must read a layer the model has, or every task would go to dead-letter.
   *
   * @throws IllegalArgumentException naming the {@code --sae} value, the SAE and the model's layer
   *     count
   */
  static void requireLayer(
      String saeSpec, ExperimentProcessor.AttachedSae a, String model, int nLayers) {
    if (a.hook().layer() >= nLayers) {
      throw new IllegalArgumentException(
          "--sae "
              + saeSpec
              + ": SAE "
              + a.id()
              + " reads "
              + a.hook()
              + ", but model "
              + model
              + " has "
              + nLayers
              + " layers (0.."
              + (nLayers - 1)
              + ")");
    }
  }
}
