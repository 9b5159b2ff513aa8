package dev.saescope.producer.dataset;

import java.util.Objects;

/**
 * What a dataset says about one relation.
 *
 * @param id Wikidata property id, e.g. {@code P36}
 * @param label LAMA label, e.g. {@code capital}; empty when the layout has none (ParaRel, JSONL)
 * @param cardinality LAMA type {@code 1-1}, {@code N-1} or {@code N-M}; empty when unknown
 */
public record RelationInfo(String id, String label, String cardinality) {
  public RelationInfo {
    Objects.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("relation id is blank");
    }
    label = label == null ? "" : label;
    cardinality = cardinality == null ? "" : cardinality;
  }

  /** A relation we know only by id. */
  public static RelationInfo unlabelled(String id) {
    return new RelationInfo(id, "", "");
  }
}
