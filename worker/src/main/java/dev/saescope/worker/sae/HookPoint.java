package dev.saescope.worker.sae;

import java.util.Objects;

/**
 * A layer and a site: where an SAE reads.
 *
 * @param layer decoder layer, from 0
 * @param site the site within the layer
 */
public record HookPoint(int layer, HookSite site) {
  public HookPoint {
    Objects.requireNonNull(site, "site");
    if (layer < 0) {
      throw new IllegalArgumentException("layer must be >= 0, got " + layer);
    }
  }

  @Override
  public String toString() {
    return "layer " + layer + " " + site.id();
  }
}
