/**
 * Test support for every module: {@link dev.saescope.common.testing.EmbeddedKafkaExtension} starts
 * one real embedded broker per test class in fresh temporary directories. It lives in main code
 * (not a test-jar) so other modules' tests reach it with a plain dependency on saescope-common and
 * no reactor test-jar resolution; JUnit is a {@code provided} dependency, so nothing here reaches
 * the CLI's runtime class path, and production code must not use this package.
 */
package dev.saescope.common.testing;
