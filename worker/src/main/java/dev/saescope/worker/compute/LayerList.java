package dev.saescope.worker.compute;

import java.util.SortedSet;
import java.util.TreeSet;

/** Parses layer lists such as {@code all}, {@code 0,6,12} or {@code 0-5,12}. */
public final class LayerList {
  private LayerList() {}

  /**
   * @throws IllegalArgumentException naming the bad element and the model's layer range
   */
  public static SortedSet<Integer> parse(String text, int nLayers) {
    SortedSet<Integer> out = new TreeSet<>();
    String t = text.strip();
    if (t.equalsIgnoreCase("all")) {
      for (int l = 0; l < nLayers; l++) {
        out.add(l);
      }
      return out;
    }
    for (String part : t.split(",")) {
      String p = part.strip();
      try {
        int dash = p.indexOf('-', 1);
        int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1));
        if (from < 0 || to >= nLayers || from > to) {
          throw new IllegalArgumentException(
              "--layers: '" + p + "' is outside the model's layers 0.." + (nLayers - 1));
        }
        for (int l = from; l <= to; l++) {
          out.add(l);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--layers: '" + p + "' is not a layer, a range like 0-5, or 'all'");
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("--layers: no layer given");
    }
    return out;
  }
}
