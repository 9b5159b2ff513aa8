/**
 * Test support for every module, shipped in this module's test jar: EmbeddedKafkaExtension starts
 * one real embedded broker per test class in fresh temporary directories, and resolves
 * KafkaSettings parameters with a unique topic prefix per test; Sigint starts child processes that
 * a test sends Ctrl-C with SIGINT at its default. Production code never sees it.
 */
package dev.saescope.common.testing;
