package dev.saescope.runtime.hub;

import java.nio.file.Path;
import java.util.Map;

/** saescope's cache folder: {@code $SAESCOPE_HOME}, default {@code ~/.cache/saescope}. */
public final class SaescopeHome {
  private SaescopeHome() {}

  /** The cache folder for the current environment. */
  public static Path resolve() {
    return resolve(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** The cache folder for a given environment and home directory (for tests). */
  public static Path resolve(Map<String, String> env, Path userHome) {
    String home = env.get("SAESCOPE_HOME");
    if (home != null && !home.isBlank()) {
      return Path.of(home);
    }
    return userHome.resolve(".cache").resolve("saescope");
  }

  /** Folder of one provisioned model: {@code <home>/models/<name>}. */
  public static Path modelDir(Path home, String name) {
    return home.resolve("models").resolve(name);
  }
}
