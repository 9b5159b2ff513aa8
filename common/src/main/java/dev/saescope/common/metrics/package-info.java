/**
 * Metrics every saescope process exports: one Prometheus registry with JVM and process meters, and
 * a small Vert.x HTTP server for {@code /metrics} and {@code /health}. Roles add their own meters.
 */
package dev.saescope.common.metrics;
