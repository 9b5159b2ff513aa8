package dev.saescope.runtime.model;

/** One capture point: a site in a decoder layer (0-based). */
public record HookPoint(int layer, Site site) implements Comparable<HookPoint> {
  public HookPoint {
    if (layer < 0) {
      throw new IllegalArgumentException("layer must be >= 0, got " + layer);
    }
    java.util.Objects.requireNonNull(site, "site");
  }

  @Override
  public int compareTo(HookPoint o) {
    return layer != o.layer ? Integer.compare(layer, o.layer) : site.compareTo(o.site);
  }

  /** {@code blocks.L.hook_resid_post}-style name, for files and messages. */
  @Override
  public String toString() {
    return "layers." + layer + "." + site.key();
  }
}
