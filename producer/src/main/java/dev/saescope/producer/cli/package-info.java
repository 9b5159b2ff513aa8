/**
 * The {@code produce} command: options, dry-run JSON output, publishing with a progress bar and a
 * summary. Registered in {@code dev.saescope.cli.Main}; it returns exit codes and never exits.
 */
package dev.saescope.producer.cli;
