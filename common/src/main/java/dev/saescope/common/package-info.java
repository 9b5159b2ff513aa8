/**
 * What every saescope role shares on the Kafka client side: client settings and topics (kafka), the
 * metrics endpoint (metrics), terminal progress (progress) and the options and tools every role's
 * command line uses (cli: tail, --model). No experiment logic, no broker, no model.
 */
package dev.saescope.common;
