/**
 * ./saescope broker: runs the embedded broker on 127.0.0.1 until Ctrl-C. Options and exit codes
 * only; the broker is the parent package.
 */
package dev.saescope.broker.cli;
