/**
 * {@code ./saescope tail}: the user's window into any saescope topic, printing decoded messages as
 * JSON lines. Read-only: it joins no consumer group and commits nothing.
 */
package dev.saescope.common.cli;
