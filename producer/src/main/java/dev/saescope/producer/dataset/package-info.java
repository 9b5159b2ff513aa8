/**
 * Dataset readers: the knowledge-neurons layout, the ParaRel layout and our own JSONL item format,
 * each turned into {@link dev.saescope.producer.dataset.Item}s (one fact with its gold object set,
 * deduplicated, object-in-subject flagged) plus the ParaRel patterns of each relation. Readers
 * never build prompts; that is {@code dev.saescope.producer.variant}.
 *
 * <p>Error policy: a file that is missing, unreadable or malformed stops the read with a {@link
 * dev.saescope.producer.dataset.DatasetException} naming the file and line, because a silently
 * half-read dataset would bias every statistic downstream. A stream on stdin is different: it feeds
 * a running system, so a malformed line is skipped with a warning naming the line and counted, and
 * reading goes on (see {@link dev.saescope.producer.dataset.JsonlItemStream}).
 */
package dev.saescope.producer.dataset;
