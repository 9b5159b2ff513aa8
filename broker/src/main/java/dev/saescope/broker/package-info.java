/**
 * A real single-node Kafka (KRaft, combined broker and controller) run in-process from Kafka's own
 * jars, for tests, the demo and {@code ./saescope broker}. Not a production deployment: one node,
 * replication 1, plaintext on loopback.
 */
package dev.saescope.broker;
