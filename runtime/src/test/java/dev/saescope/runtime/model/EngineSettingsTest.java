package dev.saescope.runtime.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The C-level setenv behind the OMP_WAIT_POLICY default works on the Java versions we run. */
class EngineSettingsTest {
  @Test
  void setenvWorksOnJava22AndLater() {
    Assumptions.assumeTrue(
        Runtime.version().feature() >= 22, "java.lang.foreign is final from Java 22");
    assertTrue(
        EngineSettings.setenv("SAESCOPE_ENGINE_SETTINGS_TEST", "1"),
        "setenv through java.lang.foreign");
  }
}
