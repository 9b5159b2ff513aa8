/**
 * saescope's message vocabulary: our records for every message ({@link dev.saescope.schemas.Task}
 * in, {@link dev.saescope.schemas.LayerResult} and {@link dev.saescope.schemas.LatentInfo} out),
 * splitting results into parts and joining them back, and the topic names. The core of every role
 * works on these records; the generated Avro classes appear only in {@link
 * dev.saescope.schemas.serde}.
 */
package dev.saescope.schemas;
