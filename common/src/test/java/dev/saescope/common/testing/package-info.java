/**
 * Test support for every module, shipped in this module's test jar: EmbeddedKafkaExtension starts
 * one real embedded broker per test class in fresh temporary directories, and resolves
 * KafkaSettings parameters with a unique topic prefix per test. Production code never sees it.
 */
package dev.saescope.common.testing;
