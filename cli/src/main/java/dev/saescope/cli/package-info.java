/**
 * The one entry point, {@code ./saescope}: registers every role's and tool's picocli command. A
 * module of its own because it is the only place that depends on all the roles at once.
 */
package dev.saescope.cli;
