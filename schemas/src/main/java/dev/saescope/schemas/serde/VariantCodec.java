package dev.saescope.schemas.serde;

import dev.saescope.schemas.Variant;

/** {@link Variant} to and from the generated Avro enum, which tasks and results share. */
final class VariantCodec {
  private VariantCodec() {}

  static dev.saescope.avro.Variant toAvro(Variant v) {
    return switch (v) {
      case DIRECT -> dev.saescope.avro.Variant.direct;
      case EVASIVE -> dev.saescope.avro.Variant.evasive;
      case COUNTERFACTUAL -> dev.saescope.avro.Variant.counterfactual;
      case CLOZE -> dev.saescope.avro.Variant.cloze;
    };
  }

  static Variant fromAvro(dev.saescope.avro.Variant v) {
    return switch (v) {
      case direct -> Variant.DIRECT;
      case evasive -> Variant.EVASIVE;
      case counterfactual -> Variant.COUNTERFACTUAL;
      case cloze -> Variant.CLOZE;
    };
  }
}
