package dev.saescope.aggregator.e2;

import dev.saescope.aggregator.observe.LayerObservation;

/** Which vectors E2a's distance is taken on (EXPERIMENTS.md §2). */
enum Representation {
  /** The dense residual stream {@code h_l}, at {@code resid_post}. */
  H("h"),
  /** The SAE latents {@code z_l}, at the SAE's own site. */
  Z("z");

  final String key;

  Representation(String key) {
    this.key = key;
  }

  boolean applies(LayerObservation l) {
    return switch (this) {
      case H -> l.isResidPost();
      case Z -> l.hasSae();
    };
  }

  double distance(LayerObservation l) {
    return switch (this) {
      case H -> l.distanceH();
      case Z -> l.distanceZ();
    };
  }
}
