/**
 * saescope's message vocabulary: our records ({@link dev.saescope.schemas.Task}), their mapping to
 * the generated Avro classes and the topic names. The core of every role works on these records;
 * Avro types stay at the edge (serdes in {@link dev.saescope.schemas.serde}).
 */
package dev.saescope.schemas;
