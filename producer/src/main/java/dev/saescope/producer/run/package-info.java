/**
 * One production run: selects items from a source (relation filter, object-in-subject drop, order,
 * limit), turns each into its tasks and counts what happened. Pull-based, so the same loop serves a
 * dataset read whole and a stream on stdin; it neither prints nor publishes.
 */
package dev.saescope.producer.run;
