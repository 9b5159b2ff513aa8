/**
 * Plumbing every saescope role shares: Kafka client settings and topics ({@code kafka}), the
 * embedded KRaft broker ({@code broker}), terminal progress ({@code progress}), the {@code tail}
 * tool and the test support that starts a broker per test class ({@code testing}). No experiment
 * logic lives here.
 */
package dev.saescope.common;
