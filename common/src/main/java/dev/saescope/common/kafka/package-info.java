/**
 * Kafka client side shared by all roles: command-line options that become client properties, topic
 * creation, the task publisher and the consumer settings the workers use. Every non-default client
 * setting carries a one-line comment saying why.
 */
package dev.saescope.common.kafka;
