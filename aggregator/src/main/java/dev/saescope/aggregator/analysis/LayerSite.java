package dev.saescope.aggregator.analysis;

import java.util.Comparator;

/** A table row's place: a layer and the site read there; ordered by layer, then site. */
public record LayerSite(int layer, String site) implements Comparable<LayerSite> {
  private static final Comparator<LayerSite> ORDER =
      Comparator.comparingInt(LayerSite::layer).thenComparing(LayerSite::site);

  public LayerSite {
    if (layer < 0 || site == null || site.isBlank()) {
      throw new IllegalArgumentException("layer site: layer " + layer + ", site '" + site + "'");
    }
  }

  @Override
  public int compareTo(LayerSite o) {
    return ORDER.compare(this, o);
  }
}
