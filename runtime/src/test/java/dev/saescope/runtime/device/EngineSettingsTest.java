package dev.saescope.runtime.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The C-level setenv behind the OMP_WAIT_POLICY default works on the Java versions we run: the
 * value is read back from the C environment (where libgomp reads it), and an existing value is
 * kept, as {@code setIfAbsent} semantics promise.
 */
class EngineSettingsTest {
  @Test
  void setenvWritesTheCEnvironmentAndKeepsAnExistingValue() {
    Assumptions.assumeTrue(
        Runtime.version().feature() >= 22, "java.lang.foreign is final from Java 22");
    String name = "SAESCOPE_ENGINE_SETTINGS_TEST_" + ProcessHandle.current().pid();
    assertEquals(Optional.empty(), EngineSettings.getenv(name), "unset before the test");
    assertTrue(EngineSettings.setenv(name, "first"), "setenv through java.lang.foreign");
    assertEquals(Optional.of("first"), EngineSettings.getenv(name));
    assertTrue(EngineSettings.setenv(name, "second"));
    assertEquals(Optional.of("first"), EngineSettings.getenv(name), "overwrite = 0 keeps it");
  }
}
